"""Language-server features: thin handlers over pure logic."""

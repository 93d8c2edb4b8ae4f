import Config

config :shoehorn, init: [:nerves_runtime, :nerves_pack]

config :nerves_runtime, :kernel, use_system_registry: false

config :nerves, :erlinit, update_clock: true

config :nerves_ssh,
  authorized_keys: Enum.map(Path.wildcard(Path.expand("~/.ssh/id_*.pub")), &File.read!/1)

config :vintage_net,
  regulatory_domain: "DE",
  config: [
    {"usb0", %{type: VintageNetDirect}},
    {"eth0",
     %{
       type: VintageNetEthernet,
       ipv4: %{method: :dhcp}
     }},
    {"wlan0",
     %{
       type: VintageNetWiFi,
       vintage_net_wifi: %{
         networks: [
           %{
             key_mgmt: :wpa_psk,
             ssid: System.get_env("NERVES_NETWORK_SSID", "greenhouse"),
             psk: System.get_env("NERVES_NETWORK_PSK", "")
           }
         ]
       },
       ipv4: %{method: :dhcp}
     }}
  ]

config :mdns_lite,
  hosts: [:hostname, "greenhouse"],
  ttl: 120,
  services: [
    %{protocol: "ssh", transport: "tcp", port: 22},
    %{protocol: "http", transport: "tcp", port: 80}
  ]

config :greenhouse,
  i2c_bus: "i2c-1",
  pump_pin: 17,
  fan_pin: 27,
  button_pin: 22,
  status_led: "led0",
  target_moisture: 0.42

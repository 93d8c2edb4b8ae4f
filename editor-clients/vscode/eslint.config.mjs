// Lint rules: ESLint's and typescript-eslint's recommended sets over the sources and tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["out/", "dist/", "node_modules/", "e2e/out/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The real-VS-Code test: a Node script (it prints its progress).
    files: ["e2e/**/*.mjs"],
    languageOptions: {
      globals: { console: "readonly", process: "readonly", setTimeout: "readonly", fetch: "readonly" },
    },
  },
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      eqeqeq: "error",
      "no-console": "error",
    },
  },
);

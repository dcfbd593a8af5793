// ESLint (flat config): ESLint's and TypeScript's recommended rules plus eslint-plugin-lit's for templates.
// Run by `npm test` (scripts/lint.mjs) next to lit-analyzer; formatting is not linted.
import js from "@eslint/js";
import lit from "eslint-plugin-lit";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // TypeScript sources only (the .mjs build scripts run under Node as they are).
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".tmp/**", "custom_components/**", "**/*.mjs", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  lit.configs["flat/recommended"],
  {
    files: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      // `_x` marks a deliberately unused parameter, as in HA's code.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // chai's property assertions (`expect(x).to.exist`) are expressions by design.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);

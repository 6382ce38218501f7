import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** The imports deterministic code (workflows/, common/) may not make, each refused with its folder's message. */
function deterministic({ builtins, sdks, ollama, layers }) {
  return [
    'error',
    {
      paths: [...nodeBuiltins.map((name) => ({ name, message: builtins })), { name: 'ollama', message: ollama }],
      patterns: [
        { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: sdks },
        { group: ['ollama/*'], message: ollama },
        ...layers,
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.scratch/**', 'dist/**', 'coverage/**', 'bin/**', '*.config.*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: {
        // The lint-probe paths let test/enforcement.test.ts prove the rules fire on virtual files.
        projectService: { allowDefaultProject: ['workflows/lint-probe.ts', 'client/lint-probe.ts', 'common/lint-probe.ts'] },
        tsconfigRootDir: import.meta.dirname,
      }, },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The queue contract: only the inference activity may talk to Ollama.
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'ollama', message: 'Only activities/inference/ may import ollama (queue contract).' }],
          patterns: [{ group: ['ollama/*'], message: 'Only activities/inference/ may import ollama (queue contract).' }],
        },
      ],
    },
  },
  {
    // bench/ measures the baseline of scripts calling Ollama directly; tests drive the simulator with the real client.
    files: ['activities/inference/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'deploy/dev/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Workflow code must stay deterministic: no Node built-ins, no worker/client/activity SDKs, no ollama.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': deterministic({
        builtins: 'Workflow code is deterministic: no Node built-ins. Do I/O in an activity.',
        sdks: 'Workflows import @temporalio/workflow (and activity *types*) only.',
        ollama: 'Workflows call models through infer(), never ollama.',
        layers: [{ group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Import activity types only (import type …).' }],
      }),
    },
  },
  {
    // common/ is what workflows may import: as deterministic as they are, and the bottom layer.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': deterministic({
        builtins: 'common/ is pure (workflows import it): no Node built-ins. Node-side shared code lives in platform/.',
        sdks: 'common/ is pure: @temporalio/common and @temporalio/workflow only.',
        ollama: 'common/ is pure: only activities/inference/ may import ollama.',
        layers: [{ group: ['client', 'workers', 'activities', 'stores', 'platform', 'config'].flatMap((dir) => [`**/${dir}`, `**/${dir}/**`]), message: 'common/ is the bottom layer: it imports nothing above it.' }],
      }),
      'no-restricted-globals': ['error', { name: 'process', message: 'common/ is pure (workflows import it): read the environment in platform/env.ts.' }],
    },
  },
);

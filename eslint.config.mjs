import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

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
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins. Do I/O in an activity.' })),
            { name: 'ollama', message: 'Workflows call models through infer(), never ollama.' },
          ],
          patterns: [
            { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Workflows import @temporalio/workflow (and activity *types*) only.' },
            { group: ['ollama/*'], message: 'Workflows call models through infer(), never ollama.' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Import activity types only (import type …).' },
          ],
        },
      ],
    },
  },
  {
    // common/ is what workflows may import: as deterministic as they are, and the bottom layer.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'common/ is pure (workflows import it): no Node built-ins. Node-side shared code lives in platform/.' })),
            { name: 'ollama', message: 'common/ is pure: only activities/inference/ may import ollama.' },
          ],
          patterns: [
            { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'common/ is pure: @temporalio/common and @temporalio/workflow only.' },
            { group: ['ollama/*'], message: 'common/ is pure: only activities/inference/ may import ollama.' },
            { group: ['**/client', '**/client/**', '**/workers', '**/workers/**', '**/activities', '**/activities/**', '**/stores', '**/stores/**', '**/platform', '**/platform/**', '**/config', '**/config/**'], message: 'common/ is the bottom layer: it imports nothing above it.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'common/ is pure (workflows import it): read the environment in platform/env.ts.' }],
    },
  },
);

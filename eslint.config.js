// Lint rules: typescript-eslint's recommended set everywhere, and for src/runtime the
// ES5 subset that ships to devices (the bundle is also run under duk in the tests).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const es5Only = [
  { selector: 'ArrowFunctionExpression', message: 'runtime is ES5: use function expressions' },
  { selector: 'ClassDeclaration, ClassExpression', message: 'runtime is ES5: no classes' },
  { selector: "VariableDeclaration[kind!='var']", message: 'runtime is ES5: use var' },
  { selector: 'ForOfStatement', message: 'runtime is ES5: no for-of' },
  { selector: 'SpreadElement, RestElement', message: 'runtime is ES5: no spread or rest' },
  { selector: 'TemplateLiteral', message: 'runtime is ES5: no template literals' },
  { selector: 'AssignmentPattern, ObjectPattern, ArrayPattern', message: 'runtime is ES5: no defaults or destructuring' },
  { selector: "MemberExpression[object.name='Math'][property.name='fround']", message: 'Math.fround is missing on ES5 engines' },
  { selector: "NewExpression[callee.name=/^(Map|Set|WeakMap|Promise|Symbol)$/]", message: 'runtime is ES5: no ES2015 collections' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/', 'targets/engines/espruino-firmware/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/runtime/**/*.ts'],
    rules: { 'no-var': 'off', 'no-restricted-syntax': ['error', ...es5Only] },
  },
);

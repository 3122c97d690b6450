// ESLint flat config: recommended rules, the type-aware exhaustiveness check for switches
// over unions (STYLE.md: every switch over a protocol union ends in a never check), and
// the layering of STYLE.md as import restrictions. Formatting belongs to Prettier.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** An import restriction: a regular expression over the import specifier and why it is refused. */
const refuse = (regex, message) => ({ regex, message });

const zeromqOnlyInTransport = refuse('^zeromq$', 'only src/transport/ imports zeromq (STYLE.md: nothing else knows ZeroMQ exists)');
const msgpackrOnlyInCodec = refuse('^msgpackr$', 'only src/codec/ imports msgpackr');
const noLauncherInSrc = refuse('(^|/)launcher/', 'the runtime (src/) never imports the launcher');
const noTransportInCollectives = refuse(
  '(^|/)transport/',
  'collectives are built only on their point-to-point port, never on the transport',
);
const utilImportsNothing = refuse('^\\.\\./', 'src/util/ imports nothing from the rest of tsmpi (the launcher shares it)');
const launcherSeesOnlyEnv = refuse(
  '^(\\.\\./)+src/(?!runtime/env\\.js$|trace/(events|chrome|summary)\\.js$|util/(lines|owned-dirs)\\.js$)',
  'the launcher shares only the env contract (src/runtime/env.ts), the trace format (src/trace/: records, merge, summary), the line reader (src/util/lines.ts) and the owned directories (src/util/owned-dirs.ts; util/ imports nothing) with the runtime',
);

/**
 * The given restrictions, for static imports (no-restricted-imports) and for `import()`
 * with a literal specifier (no-restricted-syntax), which the first rule does not see.
 */
const restrict = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
  'no-restricted-syntax': [
    'error',
    ...patterns.map(({ regex, message }) => ({
      selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`,
      message: `import(): ${message}`,
    })),
  ],
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-unused-vars': 'off',
      // A @ts-ignore is needed where one of the two builds (ESM, CommonJS) errors and the other does not.
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': 'allow-with-description' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Prettier wraps code at 140 columns but never splits a string: this catches code it left long.
      'max-len': [
        'error',
        {
          code: 140,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignorePattern: '^\\s*\\* (\\||@example)',
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  // Layering (STYLE.md "The shape of the house").
  {
    files: ['src/**/*.ts'],
    ignores: ['src/codec/**', 'src/transport/**'],
    rules: restrict(zeromqOnlyInTransport, msgpackrOnlyInCodec, noLauncherInSrc),
  },
  { files: ['src/codec/**/*.ts'], rules: restrict(zeromqOnlyInTransport, noLauncherInSrc) },
  { files: ['src/transport/**/*.ts'], rules: restrict(msgpackrOnlyInCodec, noLauncherInSrc) },
  {
    files: ['src/collectives/**/*.ts'],
    rules: restrict(zeromqOnlyInTransport, msgpackrOnlyInCodec, noLauncherInSrc, noTransportInCollectives),
  },
  { files: ['src/util/**/*.ts'], rules: restrict(zeromqOnlyInTransport, msgpackrOnlyInCodec, utilImportsNothing) },
  { files: ['launcher/**/*.ts'], rules: restrict(zeromqOnlyInTransport, msgpackrOnlyInCodec, launcherSeesOnlyEnv) },
  { files: ['examples/**/*.ts'], rules: restrict(zeromqOnlyInTransport, msgpackrOnlyInCodec) },
);

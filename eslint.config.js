// ESLint for the whole monorepo (`npm run lint`). Besides typescript-eslint's recommended rules it
// writes down the architecture's nevers: which Rookery package may import which (see
// `layering` below), no import cycles, and no reaching into another package's `dist/`.
// Formatting is Prettier's job: eslint-config-prettier comes last and turns off every rule it owns.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Every Rookery package name: the umbrella `rookery` and the `@rookery/*` scope. */
const ROOKERY_PACKAGES = ['core', 'messaging', 'executor', 'datastore-sql', 'server', 'cli', 'rookery'];

/** The import specifiers of a Rookery package, itself and its subpaths (`@rookery/core/testing`). */
function specifiersOf(name) {
  const bare = name === 'rookery' ? 'rookery' : `@rookery/${name}`;
  return [bare, `${bare}/*`];
}

/** Packages import each other only through their `exports` map, never a file of `dist/`. */
const NO_DIST = {
  group: ['@rookery/*/dist', '@rookery/*/dist/*', 'rookery/dist', 'rookery/dist/*'],
  message: 'Import a Rookery package through its exports map, never from its dist/.',
};

/**
 * The layering of DESIGN.md and STYLE.md as one `no-restricted-imports` block per folder.
 * `allowed` lists the Rookery packages the folder may import (besides itself); every other one is
 * refused with `why`.
 */
function layering(name, folders, allowed, why) {
  const refused = ROOKERY_PACKAGES.filter((other) => other !== name && !allowed.includes(other));
  return {
    name: `rookery/layering/${name}`,
    files: folders.map((folder) => `packages/${name}/${folder}/**/*.{ts,js,mjs}`),
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [NO_DIST, { group: refused.flatMap(specifiersOf), message: why }] },
      ],
    },
  };
}

/** The globals of the Node.js that runs ESLint, for the plain JavaScript files (fixtures, bin, scripts). */
const NODE_GLOBALS = Object.fromEntries(Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly']));

export default defineConfig(
  // Build output, installed packages, coverage reports and the files tests leave behind.
  globalIgnores(
    ['**/dist/', '**/node_modules/', '**/coverage/', '**/.rookery/', 'packages/rookery/test/.examples-*/'],
    'rookery/ignores',
  ),
  js.configs.recommended,
  tseslint.configs.recommended,
  importX.flatConfigs.recommended,
  importX.flatConfigs.typescript,
  {
    name: 'rookery/all',
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: NODE_GLOBALS },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true }), createNodeResolver()],
    },
    rules: {
      // No import cycles inside a package (tsc's project references already refuse them between packages).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // Unused names are errors, as under tsc's noUnusedLocals; a leading underscore marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // tsc with verbatimModuleSyntax already refuses a type imported as a value; this keeps the two kinds apart.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: [NO_DIST] }],
      // A variable a closure reads before its one assignment (the demo's killed node) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Validators match control characters on purpose, to refuse them in names, payloads and headers.
      'no-control-regex': 'off',
      // tsc checks what a module exports; these misread CommonJS modules (sqlite3, mysql2, typescript) imported as ES modules.
      'import-x/default': 'off',
      'import-x/no-named-as-default': 'off',
      'import-x/no-named-as-default-member': 'off',
      // tsc refuses an ambiguous name; this misreads a local export that settles two `export *` of one name (rookery's WorkerPool).
      'import-x/export': 'off',
    },
  },
  {
    // The Standard Schema specification publishes its types as a namespace; core copies that shape so any validator fits.
    name: 'rookery/standard-schema',
    files: ['packages/core/src/executor/standard-schema.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  // core depends on no other Rookery package, in its sources, scripts and tests alike: the others implement its interfaces.
  layering(
    'core',
    ['src', 'test', 'scripts'],
    [],
    '@rookery/core depends on no other Rookery package; its tests use @rookery/core/testing.',
  ),
  // datastore-sql, executor and messaging build on core alone (the other sides are wired by the user).
  layering(
    'datastore-sql',
    ['src'],
    ['core'],
    '@rookery/datastore-sql builds on @rookery/core alone (never on executor, messaging, server or cli).',
  ),
  layering(
    'executor',
    ['src'],
    ['core'],
    '@rookery/executor builds on @rookery/core alone (never on datastore-sql, messaging, server or cli).',
  ),
  layering(
    'messaging',
    ['src'],
    ['core'],
    '@rookery/messaging builds on @rookery/core alone (never on datastore-sql, executor, server or cli).',
  ),
  // The server is a client of core's interfaces; the cli and the umbrella package are built on it, not under it.
  layering(
    'server',
    ['src'],
    ['core'],
    '@rookery/server builds on @rookery/core alone; the cli and rookery wire it to the other parts.',
  ),
  // The umbrella package wires the parts; the cli is a separate program on top of them.
  layering(
    'rookery',
    ['src'],
    ['core', 'messaging', 'executor', 'datastore-sql'],
    'rookery re-exports the parts; it never imports the server or the cli.',
  ),
  layering(
    'cli',
    ['src'],
    ['core', 'messaging', 'executor', 'datastore-sql', 'server'],
    '@rookery/cli never imports the umbrella rookery package.',
  ),
  prettier,
);

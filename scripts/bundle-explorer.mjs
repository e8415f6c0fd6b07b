/**
 * Build step after `tsc`: the explorer's entry (dist/ui/explorer.js) is
 * rewritten as one ES module holding the explorer's own UI code and the
 * packages it renders with (Ink, React, react-reconciler, yoga-layout and
 * their dependencies). Loaded as hundreds of separate files, Ink and React
 * cost about 0.35 s before the first frame: Node resolves each file and
 * scans every CommonJS one (react-reconciler is 500 KB of it) for its
 * exports. As one pre-linked file they cost about 0.05 s.
 *
 * The project's own core (dist/core, dist/common) stays outside the bundle
 * and is imported from its usual files, so the commands and the explorer
 * share one copy of every module (an error class thrown by the core is the
 * same class wherever it is caught). React is built in production mode: the
 * explorer always runs it so (ui/run-explorer.tsx).
 *
 *   node scripts/bundle-explorer.mjs [DIST]
 */

import {existsSync, readFileSync} from 'node:fs';
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path';
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {build} from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const entry = join(dist, 'ui', 'explorer.js');
/** Folders of dist whose modules stay shared files, not copied into the bundle. */
const shared = ['core', 'common'].map(folder => join(dist, folder) + sep);

const BANNER_START = 'import {createRequire as __bundleRequire}';
if (!existsSync(entry) || readFileSync(entry, 'utf8').startsWith(BANNER_START)) {
	process.stderr.write(`bundle-explorer: ${entry} is missing or already bundled; run tsc first\n`);
	process.exit(1);
}

/** Keeps the core's modules external, imported by a path relative to the bundle. */
const keepCoreShared = {
	name: 'keep-core-shared',
	setup(context) {
		context.onResolve({filter: /^\.\.?\//}, args => {
			const target = resolve(args.resolveDir, args.path);
			if (!shared.some(folder => target.startsWith(folder))) {
				return undefined;
			}

			let path = relative(dirname(entry), target).split(sep).join('/');
			if (!path.startsWith('.')) {
				path = `./${path}`;
			}

			return {path, external: true};
		});
		// Ink loads React DevTools only when DEV=true, from a package that is
		// not installed: leave that import out rather than fail at start.
		context.onResolve({filter: /^\.\/devtools\.js$/}, args => (
			args.importer.includes(`${sep}ink${sep}`) ? {path: 'ink-devtools', namespace: 'left-out'} : undefined
		));
		context.onLoad({filter: /.*/, namespace: 'left-out'}, () => ({contents: 'export {};', loader: 'js'}));
	},
};

const result = await build({
	entryPoints: [entry],
	outfile: entry,
	allowOverwrite: true,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	sourcemap: true,
	minifySyntax: true,
	minifyWhitespace: true,
	legalComments: 'none',
	logLevel: 'warning',
	// yoga-layout's WebAssembly is in the bundle as base64. Its loader asks
	// whether fetch() exists and decodes with atob(); on Node 20 either
	// loads the whole fetch implementation (undici, about 30 ms) first. No
	// fetch is needed, and Buffer decodes the same bytes.
	define: {'process.env.NODE_ENV': '"production"', atob: '__bundleAtob', fetch: 'undefined'},
	// CommonJS inside the bundle (react, react-reconciler, scheduler) may
	// call require() for Node's own modules.
	banner: {
		js: [
			`${BANNER_START} from "node:module";`,
			'import {Buffer as __bundleBuffer} from "node:buffer";',
			'const require = __bundleRequire(import.meta.url);',
			'const __bundleAtob = text => __bundleBuffer.from(text, "base64").toString("latin1");',
		].join(' '),
	},
	plugins: [keepCoreShared],
	metafile: true,
});

const bundled = Object.keys(result.metafile.inputs).filter(input => !isAbsolute(input) && input.includes('node_modules')).length;
if (bundled === 0) {
	process.stderr.write('bundle-explorer: no package was bundled; the build is not what it should be\n');
	process.exit(1);
}

/**
 * The README's set-up gives a working `meliae-tui`: from a clean copy of
 * the repository, run the first set-up command's install steps as written
 * (into a private npm prefix, offline from npm's cache), then the
 * installed command. Also what `npm pack` puts in the package.
 */

import {execFileSync, spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {run} from '../helpers/process.js';
import {setupCommands} from './readme-setup.js';

const root = fileURLToPath(new URL('../..', import.meta.url));


/** The repository's files as a clean clone has them (tracked and new, not ignored), copied to `target`. */
function cleanCopy(target: string): void {
	const git = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {cwd: root, encoding: 'utf8'});
	if (git.status === 0) {
		for (const file of git.stdout.split('\0').filter(Boolean)) {
			if (existsSync(join(root, file))) {
				mkdirSync(dirname(join(target, file)), {recursive: true});
				cpSync(join(root, file), join(target, file));
			}
		}

		return;
	}

	// Not a git checkout: everything but what a build or install makes.
	for (const name of readdirSync(root)) {
		if (!['node_modules', 'dist', '.git'].includes(name)) {
			cpSync(join(root, name), join(target, name), {recursive: true});
		}
	}
}

describe('installing as the README says', () => {
	let scratch: string;
	let copy: string;
	let npmEnv: NodeJS.ProcessEnv;
	beforeAll(() => {
		scratch = mkdtempSync(join(tmpdir(), 'meliae-install-'));
		copy = join(scratch, 'meliae-tui');
		mkdirSync(copy);
		cleanCopy(copy);
		expect(existsSync(join(copy, 'node_modules'))).toBe(false);
		npmEnv = {
			...process.env,
			// Offline from npm's cache, filled by the `npm ci` that ran before the tests.
			npm_config_offline: 'true',
			npm_config_audit: 'false',
			npm_config_fund: 'false',
			npm_config_update_notifier: 'false',
			npm_config_loglevel: 'error',
		};
	});
	afterAll(() => {
		rmSync(scratch, {recursive: true, force: true});
	});

	it('the first set-up command installs a meliae-tui that runs', async () => {
		const steps = setupCommands()[0]!.split(' && ');
		const last = steps.pop()!;
		expect(last).toBe('meliae-tui fixtures/demo/demo-3.json.gz');
		const prefix = join(scratch, 'prefix');
		for (const step of steps) {
			// eslint-disable-next-line no-await-in-loop
			const result = await run('sh', ['-c', step], {env: {...npmEnv, NPM_CONFIG_PREFIX: prefix}, timeoutMs: 240_000, cwd: copy});
			expect(result.code, `${step}\n${result.stderr}`).toBe(0);
		}

		const command = join(prefix, 'bin', 'meliae-tui');
		const version = await run(command, ['--version'], {cwd: copy});
		expect(version.stdout.trim()).toBe(JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], {cwd: copy, encoding: 'utf8'})) as string);
		const summary = await run(command, ['summarize', 'fixtures/demo/demo-3.json.gz', '--limit', '3'], {cwd: copy});
		expect(summary.code, summary.stderr).toBe(0);
		expect(summary.stdout).toMatch(/^Total \d+ objects, \d+ types, Total size = /);
		expect(summary.stdout.split('\n')).toHaveLength(6);
		// Without a terminal the explorer says it needs one: the command found its UI.
		const explorer = await run(command, [last.split(' ')[1]!], {cwd: copy});
		expect(explorer.code).toBe(2);
		expect(explorer.stderr).toContain('needs a terminal');
	}, 300_000);

	it('the packed package holds the command, its build and its Python files', async () => {
		// A global install of the tarball needs the registry (package metadata is not in the
		// cache npm ci fills), so only its contents are checked here.
		const packed = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {env: npmEnv, cwd: copy, timeoutMs: 120_000});
		expect(packed.code, packed.stderr).toBe(0);
		const [manifest] = JSON.parse(packed.stdout) as Array<{files: Array<{path: string}>}>;
		const files = manifest!.files.map(file => file.path);
		for (const needed of ['package.json', 'dist/cli.js', 'dist/commands/table.js', 'dist/ui/explorer.js', 'python/meliae_dump.py', 'python/meliae_attach.py', 'python/meliae_hook/sitecustomize.py']) {
			expect(files, needed).toContain(needed);
		}

		expect(files.filter(file => file.startsWith('test/') || file.startsWith('source/') || file.startsWith('node_modules/'))).toEqual([]);
	}, 180_000);
});

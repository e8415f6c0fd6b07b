import {describe, expect, test} from 'vitest';
import {
	BINDINGS, COMMANDS, FOOTER, type Command, footerText, helpLines, keyClashes, keyTableMarkdown,
	makeKey, matchKey, promptText, SCOPES, splitKeys,
} from '../../source/ui/keymap.js';

describe('keymap', () => {
	test('every command has keys, a scope and help', () => {
		for (const command of COMMANDS) {
			const binding = BINDINGS[command];
			expect(binding.keys.length, command).toBeGreaterThan(0);
			expect(binding.scopes.length, command).toBeGreaterThan(0);
			expect(binding.help.length, command).toBeGreaterThan(0);
		}
	});

	test('no key is bound twice on one screen', () => {
		expect(keyClashes()).toEqual([]);
	});

	test('every command is reachable by its first key on each of its scopes', () => {
		for (const command of COMMANDS) {
			const binding = BINDINGS[command];
			for (const scope of binding.scopes) {
				for (const key of binding.keys) {
					expect(matchName(scope, key), `${command} ${key} on ${scope}`).toBe(command);
				}
			}
		}
	});

	test('the footer shows 3 to 6 bound commands per screen', () => {
		for (const scope of SCOPES) {
			const commands = FOOTER[scope];
			expect(commands.length).toBeLessThanOrEqual(6);
			expect(commands.length).toBeGreaterThanOrEqual(scope === 'loading' ? 1 : 3);
			for (const command of commands) {
				expect(BINDINGS[command].scopes, `${command} on ${scope}`).toContain(scope);
			}
		}

		expect(footerText('summary')).toBe('Enter open  / filter  s sort  : address  ? help  q quit');
	});

	test('Ink key reports map to commands', () => {
		expect(matchKey('summary', '', makeKey({downArrow: true}))).toBe('down');
		expect(matchKey('summary', 'j', makeKey())).toBe('down');
		expect(matchKey('summary', 'G', makeKey({shift: true}))).toBe('end');
		expect(matchKey('objects', '', makeKey({pageDown: true}))).toBe('pageDown');
		expect(matchKey('object', '', makeKey({return: true}))).toBe('open');
		// Backspace arrives as DEL (Ink: delete) from most terminals, as BS from Ctrl-H.
		expect(matchKey('object', '', makeKey({delete: true}))).toBe('back');
		expect(matchKey('object', '', makeKey({backspace: true}))).toBe('back');
		expect(matchKey('object', '', makeKey({escape: true, meta: true}))).toBe('back');
		expect(matchKey('object', '', makeKey({tab: true}))).toBe('switchRefs');
		expect(matchKey('summary', '/', makeKey())).toBe('filter');
		expect(matchKey('objects', '/', makeKey())).toBe('search');
		expect(matchKey('summary', 'c', makeKey({ctrl: true}))).toBe('interrupt');
		expect(matchKey('prompt', 'c', makeKey({ctrl: true}))).toBe('interrupt');
		expect(matchKey('prompt', 'q', makeKey())).toBeUndefined();
		expect(matchKey('loading', 'q', makeKey())).toBeUndefined();
		expect(matchKey('summary', 'x', makeKey({meta: true}))).toBeUndefined();
	});

	test('prompt text keeps printable input only', () => {
		expect(promptText('a', makeKey())).toBe('a');
		expect(promptText('0x7f', makeKey())).toBe('0x7f');
		expect(promptText('', makeKey({return: true}))).toBeUndefined();
		expect(promptText('a\u001B[31mb', makeKey())).toBe('a[31mb');
	});

	test('chunks of several keys are split into one event each', () => {
		const events = splitKeys('jj0\r', makeKey());
		expect(events.map(event => event.input)).toEqual(['j', 'j', '0', '\r']);
		expect(events[3]!.key.return).toBe(true);
		// Esc then "/" read together: Ink reports "/" with meta.
		const escaped = splitKeys('/', makeKey({meta: true}));
		expect(escaped).toHaveLength(2);
		expect(escaped[0]!.key.escape).toBe(true);
		expect(escaped[1]!.input).toBe('/');
		expect(splitKeys('', makeKey({upArrow: true}))).toHaveLength(1);
	});

	test('help lines and the Markdown table cover every command', () => {
		const lines = helpLines(200);
		for (const command of COMMANDS) {
			expect(lines.some(line => line.includes(BINDINGS[command].help)), command).toBe(true);
		}

		// One line per command, plus a heading per group.
		expect(lines.filter(line => line.startsWith('  '))).toHaveLength(COMMANDS.length);
		const markdown = keyTableMarkdown();
		expect(markdown.split('\n')).toHaveLength(COMMANDS.length + 2);
		for (const command of COMMANDS) {
			expect(markdown).toContain(BINDINGS[command].help.replaceAll('|', '\\|'));
		}

		for (const line of helpLines(40)) {
			expect(line.length).toBeLessThanOrEqual(40);
		}
	});
});

function matchName(scope: (typeof SCOPES)[number], name: string): Command | undefined {
	const specials: Record<string, Parameters<typeof makeKey>[0]> = {
		up: {upArrow: true}, down: {downArrow: true}, left: {leftArrow: true}, right: {rightArrow: true},
		pageup: {pageUp: true}, pagedown: {pageDown: true}, home: {home: true}, end: {end: true},
		enter: {return: true}, esc: {escape: true, meta: true}, tab: {tab: true}, 'shift+tab': {tab: true, shift: true},
		backspace: {delete: true},
	};
	if (name in specials) {
		return matchKey(scope, '', makeKey(specials[name]));
	}

	if (name === 'space') {
		return matchKey(scope, ' ', makeKey());
	}

	if (name.startsWith('ctrl+')) {
		return matchKey(scope, name.slice(5), makeKey({ctrl: true}));
	}

	return matchKey(scope, name, makeKey({shift: /^[A-Z]$/.test(name)}));
}

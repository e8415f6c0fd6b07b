/**
 * The command line, checked against the table in table.ts: which command,
 * its positional arguments, its flags (camelCase keys, `--no-collapse` as
 * `collapse: false`), and what follows a literal `--`. Anything the table
 * does not allow is a usage error naming the word; help is printed from the
 * same table.
 *
 * Written here rather than with meow: meow knows one set of flags for the
 * whole program (so a flag of another command passes), turns a repeated
 * flag into an exception, and prints its own unescaped "Unknown flag" lines.
 */

import {escapeControls} from '../core/format/escape.js';
import {COMMANDS, type CommandSpec, commandNamed, EXPLORER, flagKey, HELP_OPTIONS, type OptionSpec} from './table.js';

export type ParsedArguments =
	| {readonly kind: 'help'; readonly command: CommandSpec | undefined}
	| {readonly kind: 'version'}
	| {
		readonly kind: 'run';
		readonly command: CommandSpec;
		readonly input: readonly string[];
		readonly flags: Readonly<Record<string, unknown>>;
		readonly rest: readonly string[];
	}
	| {readonly kind: 'usage'; readonly message: string; readonly command: CommandSpec | undefined};

type Token = {readonly flag: string; readonly value: string | undefined; readonly raw: string};

/** A word from the command line, safe to print on one line. */
export function shown(word: string): string {
	return escapeControls(word);
}

function usageError(message: string, command: CommandSpec | undefined): ParsedArguments {
	return {kind: 'usage', message, command};
}

/** Split argv into flags and positional words, then check them against the command's entry. */
export function parseArguments(argv: readonly string[]): ParsedArguments {
	const dashDash = argv.indexOf('--');
	const words = dashDash >= 0 ? argv.slice(0, dashDash) : argv;
	const rest = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
	const positional: string[] = [];
	const tokens: Token[] = [];
	let help = false;
	let version = false;
	// Flags that take a value take the next word whatever it looks like (`--limit -1`).
	const allOptions = new Map<string, OptionSpec>();
	for (const option of [...EXPLORER.options, ...COMMANDS.flatMap(command => command.options)]) {
		allOptions.set(option.flag, option);
	}

	for (let i = 0; i < words.length; i++) {
		const word = words[i]!;
		if (word === '-h' || word === '--help') {
			help = true;
		} else if (word === '--version') {
			version = true;
		} else if (word.startsWith('--')) {
			const equals = word.indexOf('=');
			const flag = equals >= 0 ? word.slice(2, equals) : word.slice(2);
			let value = equals >= 0 ? word.slice(equals + 1) : undefined;
			const known = allOptions.get(flag);
			if (value === undefined && known !== undefined && known.type !== 'boolean' && known.optionalValue !== true) {
				value = words[i + 1];
				if (value !== undefined) {
					i++;
				}
			}

			tokens.push({flag, value, raw: word});
		} else if (word.startsWith('-') && word !== '-') {
			// No short flags but -h: named as an unknown flag below (after --help had its say).
			tokens.push({flag: word, value: undefined, raw: word});
		} else {
			positional.push(word);
		}
	}

	// `meliae-tui help [COMMAND]` reads as `--help`.
	if (positional[0] === 'help' && commandNamed('help') === undefined) {
		help = true;
		positional.shift();
	}

	const named = positional[0] === undefined ? undefined : commandNamed(positional[0]);
	const command = named ?? EXPLORER;
	if (help) {
		return {kind: 'help', command: named};
	}

	if (version) {
		return {kind: 'version'};
	}

	const name = command.name === undefined ? 'the explorer' : `"${command.name}"`;
	const input = named === undefined ? positional : positional.slice(1);
	const flags: Record<string, unknown> = {collapse: true};
	const seen = new Set<string>();
	for (const token of tokens) {
		const option = command.options.find(candidate => candidate.flag === token.flag);
		if (option === undefined) {
			const flag = shown(token.raw.split('=')[0]!);
			return usageError(allOptions.has(token.flag) || token.flag === 'version'
				? `${flag} is not an option of ${name}`
				: `unknown flag ${flag}`, named);
		}

		if (seen.has(option.flag)) {
			return usageError(`--${option.flag} given more than once`, named);
		}

		seen.add(option.flag);
		const key = flagKey(option.flag);
		if (option.type === 'boolean') {
			if (token.value !== undefined) {
				return usageError(`--${option.flag} takes no value`, named);
			}

			flags[key] = !option.flag.startsWith('no-');
			continue;
		}

		if (token.value === undefined && option.optionalValue === true) {
			flags[key] = true; // `--flag` alone: the command picks the default
			continue;
		}

		if (token.value === undefined) {
			return usageError(`--${option.flag} needs a value (${option.value ?? 'VALUE'})`, named);
		}

		if (option.choices !== undefined && !option.choices.includes(token.value)) {
			return usageError(`--${option.flag} must be ${option.choices.map(choice => `"${choice}"`).join(', ').replace(/, ([^,]*)$/, ' or $1')}, not "${shown(token.value)}"`, named);
		}

		if (option.type === 'number') {
			const number = /^\d+(\.\d+)?$/.test(token.value) ? Number(token.value) : Number.NaN;
			if (!Number.isFinite(number)) {
				return usageError(`--${option.flag} must be a number, not "${shown(token.value)}"`, named);
			}

			flags[key] = number;
		} else {
			flags[key] = token.value;
		}
	}

	for (const [flag, needed] of Object.entries(command.requires ?? {})) {
		if (seen.has(flag) && !seen.has(needed)) {
			return usageError(`--${flag} needs --${needed}`, named);
		}
	}

	if (rest.length > 0 && command.takesProgram !== true) {
		return usageError(`${name} takes no "--" (unexpected ${shown(rest[0]!)})`, named);
	}

	if (input.length > command.maxArgs) {
		const extra = input[command.maxArgs]!;
		const takes = command.takesProgram === true
			? `takes the program after "--": ${synopsis(command)}`
			: (command.maxArgs === 0 ? 'takes no arguments' : `takes ${command.args}`);
		return usageError(`unexpected argument ${shown(extra)}: ${name} ${takes}`, named);
	}

	if (input.length < command.minArgs) {
		if (named === undefined) {
			return usageError('no dump given', undefined);
		}

		const missing = command.args.split(' ').filter(word => !word.startsWith('['))[input.length];
		return usageError(`"${command.name}" needs ${missing}; usage: ${synopsis(command)}`, named);
	}

	return {kind: 'run', command, input, flags, rest};
}

function optionName(option: OptionSpec): string {
	if (option.optionalValue === true) {
		return `--${option.flag}[=${option.value ?? 'VALUE'}]`;
	}

	return `--${option.flag}${option.value === undefined ? '' : ` ${option.value}`}`;
}

/** Name and meaning on one line; a name too long for the column puts its meaning on the next. */
function twoColumns(rows: ReadonlyArray<readonly [string, string]>, maxColumn: number): string[] {
	const width = Math.min(Math.max(...rows.map(([left]) => left.length)), maxColumn) + 2;
	return rows.flatMap(([left, right]) => left.length + 2 <= width
		? [`  ${left.padEnd(width)}${right}`]
		: [`  ${left}`, `  ${' '.repeat(width)}${right}`]);
}

function optionLines(options: readonly OptionSpec[]): string[] {
	return twoColumns(options.map(option => [optionName(option), option.help] as const), 20);
}

/** `meliae-tui summarize DUMP [--by size|count] ...`: options shown in brackets. */
export function synopsis(command: CommandSpec): string {
	const words = ['meliae-tui'];
	if (command.name !== undefined) {
		words.push(command.name);
	}

	const program = command.takesProgram === true;
	if (command.args !== '' && !program) {
		words.push(command.args);
	}

	words.push('[OPTIONS]');
	if (program) {
		words.push(command.args);
	}

	return words.join(' ');
}

/** The help of one command: synopsis, what it does, each option on one line, one example. */
export function commandHelp(command: CommandSpec): string {
	return [
		`Usage: ${synopsis(command)}`,
		'',
		`${command.summary.startsWith('meliae') ? command.summary : command.summary.charAt(0).toUpperCase() + command.summary.slice(1)}.`,
		'',
		'Options',
		...optionLines([...command.options, ...HELP_OPTIONS]),
		'',
		...(command.notes === undefined ? [] : [...command.notes, '']),
		'Example',
		`  $ meliae-tui ${command.example}`,
		'',
	].join('\n');
}

/** `meliae-tui --help`: the commands, one line each. */
export function mainHelp(): string {
	const rows: Array<readonly [string, string]> = [
		[EXPLORER.args, EXPLORER.summary],
		...COMMANDS.map(command => [`${command.name!}${command.args === '' ? '' : ` ${command.args}`}`, command.summary] as const),
	];
	return [
		'meliae-tui: explore Python memory dumps in meliae\'s format',
		'',
		'Usage: meliae-tui DUMP... | meliae-tui COMMAND [ARGUMENTS] [OPTIONS]',
		'',
		...twoColumns(rows, 26),
		'',
		'A DUMP is a meliae dump file (plain or gzip) or "-" for standard input.',
		'Several dumps go oldest first, as a shell glob of timestamped names sorts.',
		'"meliae-tui COMMAND --help" lists the options of a command, with an example.',
		'',
		'Options of the explorer (meliae-tui DUMP...)',
		...optionLines(EXPLORER.options),
		'',
		'Options',
		...twoColumns([['--help, -h', 'this help'], ['--version', 'the version']], 20),
		'',
		'Exit codes',
		'  0 ok, 1 address not found, 2 bad input or usage, 3 operation failed,',
		'  70 internal error, 130 interrupted',
		'',
	].join('\n');
}

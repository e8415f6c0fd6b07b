/**
 * Every command and its options, as data. The command line checks flags and
 * arguments against this table and prints help from it, so what `--help`
 * says is what is accepted.
 */

export type OptionType = 'boolean' | 'number' | 'string';

export type OptionSpec = {
	/** The flag as typed, without the dashes: `limit`, `no-collapse`, `skip-weak`. */
	readonly flag: string;
	readonly type: OptionType;
	/** What follows the flag in help: `N`, `ADDRESS`, `size|count`. */
	readonly value?: string;
	/** The accepted values, when they are a fixed set. */
	readonly choices?: readonly string[];
	/** One line: what the option does. */
	readonly help: string;
	/** The value is optional and only given as `--flag=VALUE` (the flag alone is `true`). */
	readonly optionalValue?: boolean;
};

export type CommandSpec = {
	/** Undefined for the explorer (no command word). */
	readonly name: string | undefined;
	/** Positional arguments as shown in the synopsis: `DUMP ADDRESS`. */
	readonly args: string;
	readonly minArgs: number;
	readonly maxArgs: number;
	/** One line for the command list. */
	readonly summary: string;
	readonly options: readonly OptionSpec[];
	/** One example command line, without the leading `meliae-tui`. */
	readonly example: string;
	/** Arguments after a literal `--` are the program to run. */
	readonly takesProgram?: boolean;
	/** Lines of explanation printed after the options (each within 80 columns). */
	readonly notes?: readonly string[];
	/** Flag → flag it requires. */
	readonly requires?: Readonly<Record<string, string>>;
};

const json: OptionSpec = {flag: 'json', type: 'boolean', help: 'machine-readable output (JSON)'};
const limit = (what: string, fallback: number): OptionSpec => ({flag: 'limit', type: 'number', value: 'N', help: `${what} (default ${fallback})`});
const keepOrder: OptionSpec = {
	flag: 'keep-order', type: 'boolean',
	help: 'take the dumps in the order given, whatever their times',
};

/** How trend and report order the dumps they are given. */
const sortDumps: OptionSpec = {
	flag: 'sort', type: 'string', value: 'time|mtime|name', choices: ['time', 'mtime', 'name'],
	help: 'order the dumps by dump time, file time or name',
};

/** Options of the commands that start a program under the dump hook (run, watch -- PROGRAM). */
const hookSignal = (help: string): OptionSpec => ({flag: 'signal', type: 'string', value: 'SIGNAL', help});
const tracemalloc = (help: string): OptionSpec => ({flag: 'tracemalloc', type: 'number', value: 'FRAMES', optionalValue: true, help});

/** Options of the commands that attach to a process (attach, watch PID); `out` names where the dump goes. */
const attachOptions = (out: string, timeoutHelp: string): OptionSpec[] => [
	{
		flag: 'method', type: 'string', value: 'auto|ptrace|gdb|remote_exec', choices: ['auto', 'ptrace', 'gdb', 'remote_exec'],
		help: 'how to get into the process (default auto)',
	},
	{flag: 'timeout', type: 'number', value: 'SECONDS', help: timeoutHelp},
	{
		flag: 'stage', type: 'string', value: 'auto|direct|pipe|file', choices: ['auto', 'direct', 'pipe', 'file'],
		help: `where the target writes: ${out}, or its /tmp (auto)`,
	},
];

/** Options of every command that reads a dump. */
export const LOAD_OPTIONS: readonly OptionSpec[] = [
	{flag: 'no-collapse', type: 'boolean', help: 'keep instance and module __dict__s as separate objects'},
	{flag: 'remove-expensive', type: 'boolean', help: 'replace references to modules, frames and types'},
	{flag: 'strict', type: 'boolean', help: 'stop at the first malformed line instead of skipping it'},
	{flag: 'quiet', type: 'boolean', help: 'no progress or notes on standard error'},
	{flag: 'no-index', type: 'boolean', help: 'neither read nor write an index file (parse the dump)'},
	{flag: 'index-dir', type: 'string', value: 'DIR', help: 'keep index files in DIR (not beside the dump)'},
];

/** Options every command takes. */
export const HELP_OPTIONS: readonly OptionSpec[] = [
	{flag: 'help', type: 'boolean', help: 'this help (also -h)'},
];

const DEMO = 'fixtures/demo/demo-3.json.gz';
const DEMOS = 'fixtures/demo/demo-[123].json.gz';

export const EXPLORER: CommandSpec = {
	name: undefined,
	args: 'DUMP [DUMP...]',
	minArgs: 1,
	maxArgs: Number.POSITIVE_INFINITY,
	summary: 'explore the newest dump (older ones: delta columns)',
	options: [keepOrder, ...LOAD_OPTIONS],
	example: DEMOS,
};

export const COMMANDS: readonly CommandSpec[] = [
	{
		name: 'summarize',
		args: 'DUMP',
		minArgs: 1,
		maxArgs: 1,
		summary: 'meliae\'s per-type summary table, byte for byte',
		options: [
			{flag: 'by', type: 'string', value: 'size|count', choices: ['size', 'count'], help: 'order of the rows (default size)'},
			limit('rows to print', 20),
			{flag: 'from', type: 'string', value: 'ADDRESS', help: 'summarize only what the object at ADDRESS reaches'},
			{flag: 'exclude', type: 'string', value: 'A,B,...', help: 'with --from: do not walk through these addresses'},
			json,
			...LOAD_OPTIONS,
		],
		requires: {exclude: 'from'},
		example: `summarize ${DEMO} --limit 5`,
	},
	{
		name: 'show',
		args: 'DUMP ADDRESS',
		minArgs: 2,
		maxArgs: 2,
		summary: 'one object: value, retained size, dominator, refs',
		options: [limit('children and parents to list', 100), json, ...LOAD_OPTIONS],
		example: `show ${DEMO} 140678141815248`,
	},
	{
		name: 'top',
		args: 'DUMP',
		minArgs: 1,
		maxArgs: 1,
		summary: 'the biggest retainers (dominator tree)',
		options: [
			{flag: 'by', type: 'string', value: 'retained|size', choices: ['retained', 'size'], help: 'rank by retained size (default) or own size'},
			limit('objects to list', 20),
			json,
			...LOAD_OPTIONS,
		],
		example: `top ${DEMO} --limit 10`,
	},
	{
		name: 'path',
		args: 'DUMP ADDRESS',
		minArgs: 2,
		maxArgs: 2,
		summary: 'the shortest chain of references from a root',
		options: [
			{flag: 'all', type: 'number', value: 'N', help: 'up to N distinct paths instead of one'},
			{flag: 'skip-weak', type: 'boolean', help: 'do not go through weak references'},
			{flag: 'skip-expensive', type: 'boolean', help: 'do not go through modules, types and frames'},
			json,
			...LOAD_OPTIONS,
		],
		example: `path ${DEMO} 140678141815248`,
	},
	{
		name: 'retained',
		args: 'DUMP ADDRESS',
		minArgs: 2,
		maxArgs: 2,
		summary: 'what an object keeps alive (dominator subtree)',
		options: [
			{flag: 'depth', type: 'number', value: 'N', help: 'levels of the dominator tree to show (default 1)'},
			limit('objects per level and types to list', 20),
			json,
			...LOAD_OPTIONS,
		],
		example: `retained ${DEMO} 140678141815248 --depth 2`,
	},
	{
		name: 'waste',
		args: 'DUMP...',
		minArgs: 1,
		maxArgs: Number.POSITIVE_INFINITY,
		summary: 'duplicates, empty/oversized containers, __dict__s',
		options: [limit('findings of each kind to list', 10), keepOrder, json, ...LOAD_OPTIONS],
		example: `waste ${DEMOS}`,
	},
	{
		name: 'diff',
		args: 'OLD NEW [FINAL]',
		minArgs: 2,
		maxArgs: 3,
		summary: 'changes between dumps; with three, leak candidates',
		options: [limit('types and candidate groups to list', 20), keepOrder, json, ...LOAD_OPTIONS],
		example: `diff ${DEMOS}`,
	},
	{
		name: 'trend',
		args: 'DUMP...',
		minArgs: 1,
		maxArgs: Number.POSITIVE_INFINITY,
		summary: 'per-type growth over a series of dumps',
		options: [
			sortDumps,
			keepOrder,
			limit('types to list', 20),
			json,
			...LOAD_OPTIONS,
		],
		example: 'trend dumps/*.json.gz',
	},
	{
		name: 'report',
		args: 'DUMP...',
		minArgs: 1,
		maxArgs: Number.POSITIVE_INFINITY,
		summary: 'one-page triage report on the newest dump',
		options: [
			{flag: 'format', type: 'string', value: 'text|markdown|json', choices: ['text', 'markdown', 'json'], help: 'output format (default text)'},
			sortDumps,
			keepOrder,
			limit('rows per section', 20),
			{flag: 'json', type: 'boolean', help: 'the same as --format json'},
			...LOAD_OPTIONS,
		],
		example: 'report dumps/*.json.gz',
	},
	{
		name: 'index',
		args: 'DUMP [DUMP...]',
		minArgs: 1,
		maxArgs: Number.POSITIVE_INFINITY,
		summary: 'build the index of dumps ahead of time',
		options: [
			...LOAD_OPTIONS.filter(option => option.flag !== 'no-index'),
			{flag: 'no-analyses', type: 'boolean', help: 'do not compute and save the retained sizes with the index'},
		],
		notes: [
			'A load writes DUMP.mtui-index beside the dump (or in $XDG_CACHE_HOME/meliae-tui',
			'when that directory is not writable) and later loads read it instead of',
			'parsing. This command does it ahead of time, for dumps of any size, with the',
			'referrers and the retained sizes (in DUMP.mtui-index.analyses), and prints',
			'where each index went and its size.',
		],
		example: `index ${DEMO}`,
	},
	{
		name: 'python-path',
		args: '',
		minArgs: 0,
		maxArgs: 0,
		summary: 'the directory of meliae_dump.py (for PYTHONPATH)',
		options: [],
		example: 'python-path',
	},
	{
		name: 'run',
		args: '-- PROGRAM [ARGS...]',
		minArgs: 0,
		maxArgs: 0,
		summary: 'run a Python program that dumps itself on a signal',
		options: [
			hookSignal('the signal that asks for a dump (default USR2)'),
			{flag: 'dir', type: 'string', value: 'DIR', help: 'where the dumps go (default: the current directory)'},
			tracemalloc('trace allocations, FRAMES deep (default 1)'),
		],
		takesProgram: true,
		example: 'run --dir dumps -- python3 app.py',
	},
	{
		name: 'attach',
		args: 'PID',
		minArgs: 1,
		maxArgs: 1,
		summary: 'dump a running Python 3 process',
		options: [
			{flag: 'out', type: 'string', value: 'FILE', help: 'where the dump goes (default ./meliae-PID-TIME.json.gz)'},
			{flag: 'open', type: 'boolean', help: 'open the explorer on the dump afterwards'},
			...attachOptions('--out', 'give up after this long (default 30)'),
			...LOAD_OPTIONS,
		],
		notes: [
			'Containers: run attach on the host as root (or with CAP_SYS_PTRACE) with the',
			'host\'s pid: docker inspect -f \'{{.State.Pid}}\' NAME, or crictl inspect ID',
			'(info.pid).',
			'Nothing is installed in the container: the dump streams out through a private',
			'directory of its /tmp, and nothing is left there. Inside the same container',
			'(docker exec with --cap-add=SYS_PTRACE, kubectl debug --profile=general) use the',
			'container\'s pid. When seccomp, an AppArmor/SELinux label or Yama refuses',
			'ptrace, the error says which one and what to do.',
		],
		example: 'attach 12345 --out app.json.gz',
	},
	{
		name: 'watch',
		args: 'PID',
		minArgs: 0,
		maxArgs: 1,
		summary: 'dump a live process on a schedule, show its growth',
		options: [
			{flag: 'every', type: 'number', value: 'SECONDS', help: 'time between dumps (default 60)'},
			{flag: 'keep', type: 'number', value: 'N', help: 'dumps to keep; older ones are deleted (default 5)'},
			{flag: 'dir', type: 'string', value: 'DIR', help: 'where the dumps go (default ./meliae-watch-PID)'},
			{flag: 'max-disk', type: 'string', value: 'SIZE', help: 'stop capturing before DIR holds more (default 2G)'},
			{flag: 'until-growing', type: 'number', value: 'K', help: 'stop when a type grew K steps in a row; write a report'},
			{flag: 'json', type: 'boolean', help: 'one JSON line per dump (also without a terminal)'},
			hookSignal('with -- PROGRAM: the signal that asks for a dump (USR2)'),
			tracemalloc('with -- PROGRAM: trace allocations, FRAMES deep (1)'),
			...attachOptions('--dir', 'give up on one dump after this long (default 30)'),
			...LOAD_OPTIONS,
		],
		takesProgram: true,
		notes: [
			'Or, instead of PID: -- PROGRAM [ARGS...] starts it under the dump hook (as',
			'run does; its output goes to standard error; default DIR ./meliae-watch-run-N).',
			'Exit codes: 0 after --until-growing or q, 1 when --max-disk stops capturing,',
			'3 when the process is gone, 130 on Ctrl-C (only complete dumps are left).',
		],
		example: 'watch 12345 --every 300 --until-growing 3 --json',
	},
];

export function commandNamed(name: string): CommandSpec | undefined {
	return COMMANDS.find(command => command.name === name);
}

/** `skip-weak` → `skipWeak`; `no-collapse` → `collapse` (false), as the commands read them. */
export function flagKey(flag: string): string {
	const bare = flag.startsWith('no-') ? flag.slice(3) : flag;
	return bare.replaceAll(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

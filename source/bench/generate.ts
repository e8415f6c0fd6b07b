/**
 * Deterministic generator of synthetic meliae dumps, for benchmarks.
 *
 * The output looks like what meliae writes for a large Python 3 service: an
 * interned-name table, the builtin singletons and types, a few thousand
 * modules with their functions, code objects and classes, then the
 * application's data (instances of ~50 user classes, payload dicts, lists,
 * sets, closures, bound methods, weak references, a call stack), with a few
 * very large containers and a few references to addresses that are not in the
 * dump.
 *
 * Same seed → byte-identical output. Nothing but a few small pools of ordinals
 * is kept in memory: lines are written as they are produced.
 *
 * How it works: every object is identified by its ordinal (its line number,
 * from 0). Its address is a bijective scramble of the ordinal, so any ordinal
 * can be referenced before or after it is written, and addresses are unique,
 * 16-byte aligned, clustered in 4 KiB runs and far from sorted. Objects are
 * produced in "units" (an instance with its __dict__ and attribute values, a
 * module with everything it defines, ...): a unit is built as a small tree in
 * typed scratch arrays, in pre-order (parents before their new children, as
 * meliae's traversal writes them), then written out line by line.
 */

import {createWriteStream, realpathSync, statSync} from 'node:fs';
import {once} from 'node:events';
import {finished} from 'node:stream/promises';
import {createGzip, type ZlibOptions} from 'node:zlib';
import {parseArgs} from 'node:util';
import {fileURLToPath} from 'node:url';
import type {Writable} from 'node:stream';

/** Bump whenever the output for a given (objects, seed) changes. */
export const GENERATOR_VERSION = 3;
export const MIN_OBJECTS = 10_000;
/** Ordinals are kept in Uint32Array pools and local references above 2^32. */
export const MAX_OBJECTS = 0xffff_fff0;

export type GenerateOptions = {
	readonly objects: number;
	readonly seed: number;
	readonly out: string;
	readonly gzip?: boolean;
	/** zlib level for gzip output, 1..9 (default 6, the `gzip` command's default). */
	readonly gzipLevel?: number;
};

export type GenerateResult = {
	/** Bytes of dump text (uncompressed). */
	readonly bytes: number;
	/** Bytes written to `out` (compressed size with gzip). */
	readonly fileBytes: number;
	readonly objects: number;
	readonly refs: number;
	/** References to addresses that are not in the dump (deliberate). */
	readonly danglingRefs: number;
	/** Objects per type name. */
	readonly typeCounts: Readonly<Record<string, number>>;
	readonly ms: number;
};

// ---------------------------------------------------------------- PRNG

/** xoshiro128** seeded through splitmix32: fast, 32-bit, deterministic. */
export class Rng {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	constructor(seed: number) {
		let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4_294_967_296) >>> 0, 0x9e37_79b9);
		const next = (): number => {
			s = (s + 0x9e37_79b9) | 0;
			let z = s;
			z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b);
			z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35);
			return (z ^ (z >>> 16)) >>> 0;
		};

		this.a = next();
		this.b = next();
		this.c = next();
		this.d = next();
		if ((this.a | this.b | this.c | this.d) === 0) {
			this.a = 1;
		}
	}

	/** Uniform 32-bit unsigned integer. */
	u32(): number {
		const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
		const t = this.b << 9;
		this.c ^= this.a;
		this.d ^= this.b;
		this.b ^= this.c;
		this.a ^= this.d;
		this.c ^= t;
		this.d = rotl(this.d, 11);
		return result;
	}

	/** Uniform in [0, 1). */
	float(): number {
		return this.u32() / 4_294_967_296;
	}

	/** Uniform integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.float() * n);
	}

	/** Uniform integer in [lo, hi]. */
	range(lo: number, hi: number): number {
		return lo + Math.floor(this.float() * (hi - lo + 1));
	}

	chance(p: number): boolean {
		return this.float() < p;
	}

	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.float() * items.length)]!;
	}

	/** Geometric-like count ≥ lo with the given mean, capped at hi. */
	count(lo: number, mean: number, hi: number): number {
		const extra = mean - lo;
		if (extra <= 0) {
			return lo;
		}

		const value = lo + Math.floor(-Math.log(1 - this.float()) * extra);
		return value > hi ? hi : value;
	}

	hex(digits: number): string {
		let out = '';
		let bits = 0;
		let word = 0;
		for (let i = 0; i < digits; i++) {
			if (bits === 0) {
				word = this.u32();
				bits = 32;
			}

			out += HEX_DIGITS[word & 15];
			word >>>= 4;
			bits -= 4;
		}

		return out;
	}
}

const HEX_DIGITS = '0123456789abcdef';

function rotl(x: number, k: number): number {
	return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------- types

const T_STR = 0;
const T_TUPLE = 1;
const T_DICT = 2;
const T_INT = 3;
const T_FUNCTION = 4;
const T_CODE = 5;
const T_TYPE = 6;
const T_MODULE = 7;
const T_FRAME = 8;
const T_LIST = 9;
const T_SET = 10;
const T_FLOAT = 11;
const T_BYTES = 12;
const T_WEAKREF = 13;
const T_CELL = 14;
const T_METHOD = 15;
const T_NONE = 16;
const T_BOOL = 17;
const T_BUILTIN_FUNCTION = 18;
const T_GETSET = 19;
const T_MEMBER = 20;
const T_METHOD_DESCRIPTOR = 21;
const T_WRAPPER_DESCRIPTOR = 22;
const T_PROPERTY = 23;
const T_STATICMETHOD = 24;
const T_CLASSMETHOD = 25;
const T_FROZENSET = 26;
const T_OBJECT = 27;
const T_ELLIPSIS = 28;
const T_NOT_IMPLEMENTED = 29;
const T_DATETIME = 30;

/** Builtin type names, indexed by the T_ constants above. */
const BUILTIN_TYPE_NAMES = [
	'str', 'tuple', 'dict', 'int', 'function', 'code', 'type', 'module', 'frame', 'list', 'set', 'float',
	'bytes', 'weakref', 'cell', 'method', 'NoneType', 'bool', 'builtin_function_or_method',
	'getset_descriptor', 'member_descriptor', 'method_descriptor', 'wrapper_descriptor', 'property',
	'staticmethod', 'classmethod', 'frozenset', 'object', 'ellipsis', 'NotImplementedType',
	'datetime.datetime',
] as const;

/** A few method names each builtin type's dict holds (as method descriptors). */
const BUILTIN_TYPE_METHODS: Readonly<Record<string, readonly string[]>> = {
	str: ['join', 'split', 'strip', 'replace', 'startswith', 'endswith', 'lower', 'upper', 'format', 'encode'],
	tuple: ['index', 'count'],
	dict: ['get', 'keys', 'values', 'items', 'update', 'pop', 'setdefault', 'copy', 'clear'],
	int: ['bit_length', 'to_bytes', 'from_bytes', 'conjugate'],
	list: ['append', 'extend', 'insert', 'pop', 'remove', 'index', 'count', 'sort', 'reverse', 'copy', 'clear'],
	set: ['add', 'discard', 'remove', 'pop', 'union', 'intersection', 'difference', 'update', 'copy', 'clear'],
	bytes: ['decode', 'hex', 'join', 'split', 'startswith'],
	float: ['is_integer', 'hex', 'as_integer_ratio'],
	object: ['__init__', '__repr__', '__hash__', '__eq__', '__reduce_ex__', '__sizeof__', '__dir__'],
	type: ['mro', '__subclasses__', '__instancecheck__', '__prepare__'],
	frozenset: ['union', 'intersection', 'isdisjoint', 'copy'],
	'datetime.datetime': ['now', 'utcnow', 'isoformat', 'timestamp', 'replace', 'astimezone', 'strftime'],
};

// ---------------------------------------------------------------- vocabulary

const DUNDER_NAMES = [
	'__init__', '__name__', '__doc__', '__module__', '__qualname__', '__dict__', '__weakref__', '__slots__',
	'__file__', '__package__', '__loader__', '__spec__', '__builtins__', '__cached__', '__repr__', '__str__',
	'__eq__', '__hash__', '__len__', '__iter__', '__enter__', '__exit__', '__call__', '__getattr__',
	'__setattr__', '__class__', '__annotations__', '__all__', '__version__', '__path__', '__getitem__',
	'__contains__', '__lt__', '__post_init__', '__init_subclass__', '__new__', '__del__', '__bool__',
	'__reduce_ex__', '__sizeof__', '__dir__', '__subclasses__', '__instancecheck__', '__prepare__',
];

const COMMON_NAMES = [
	'self', 'cls', 'args', 'kwargs', 'value', 'key', 'name', 'data', 'result', 'obj', 'item', 'items', 'i',
	'j', 'x', 'y', 'n', 'k', 'v', 'e', 'exc', 'request', 'response', 'context', 'config', 'options', 'default',
	'logger', 'log', 'path', 'url', 'session', 'user', 'timeout', 'retries', 'callback', 'func', 'wrapper',
	'cache', 'lock', 'conn', 'cursor', 'query', 'params', 'headers', 'body', 'status', 'message', 'error',
	'start', 'end', 'size', 'count', 'index', 'offset', 'limit', 'page', 'field', 'fields', 'model', 'instance',
	'parent', 'children', 'node', 'other', 'text', 'line', 'lines', 'buf', 'stream', 'fp', 'encoding',
	'errors', 'super', 'isinstance', 'len', 'print', 'range', 'enumerate', 'zip', 'getattr', 'setattr',
	'hasattr', 'sorted', 'min', 'max', 'sum', 'any', 'all', 'iter', 'next', 'repr', 'hash', 'id', 'open',
	'format', 'map', 'filter', 'callable', 'vars', 'dir', 'abs', 'round', 'ord', 'chr', 'divmod', 'pow',
	'issubclass', 'globals', 'locals', 'compile', 'exec', 'eval', 'input', 'hex', 'bin', 'oct', 'staticmethod',
	'classmethod', 'property', 'object', 'type', 'str', 'int', 'float', 'bytes', 'bool', 'list', 'dict',
	'set', 'tuple', 'frozenset', 'None', 'True', 'False', 'Exception', 'ValueError', 'KeyError', 'TypeError',
	'RuntimeError', 'OSError', 'StopIteration', 'NotImplemented', 'Ellipsis', 'datetime',
];

/** Builtin functions held by the builtins module (a prefix of COMMON_NAMES' builtins). */
const BUILTIN_FUNCTIONS = [
	'isinstance', 'len', 'print', 'getattr', 'setattr', 'hasattr', 'sorted', 'min', 'max', 'sum', 'any',
	'all', 'iter', 'next', 'repr', 'hash', 'id', 'open', 'format', 'callable', 'vars', 'dir', 'abs',
	'round', 'ord', 'chr', 'divmod', 'pow', 'issubclass', 'globals', 'locals', 'compile', 'exec', 'eval',
	'input', 'hex', 'bin', 'oct',
];

const VERBS = [
	'get', 'set', 'load', 'save', 'update', 'create', 'delete', 'find', 'build', 'parse', 'render', 'handle',
	'process', 'validate', 'compute', 'fetch', 'send', 'open', 'close', 'read', 'write', 'init', 'reset',
	'check', 'apply', 'resolve', 'format', 'encode', 'decode', 'register', 'dispatch', 'emit', 'make', 'run',
	'start', 'stop', 'flush', 'commit', 'rollback', 'clean', 'merge', 'split', 'sort', 'filter', 'wrap',
	'convert', 'normalize', 'serialize', 'deserialize', 'lookup', 'refresh', 'sync', 'schedule', 'retry',
	'cancel', 'notify', 'trace', 'measure', 'evict', 'acquire', 'release', 'push', 'pop', 'append', 'insert',
	'remove', 'clear', 'copy', 'match', 'search', 'scan', 'select', 'join', 'connect', 'bind', 'listen',
	'accept', 'submit', 'poll', 'wait', 'is', 'has', 'to', 'from', 'iter', 'on', 'ensure', 'prepare',
];

const NOUNS = [
	'user', 'session', 'request', 'response', 'order', 'item', 'line', 'account', 'config', 'setting',
	'token', 'event', 'message', 'queue', 'task', 'job', 'worker', 'node', 'edge', 'graph', 'tree', 'path',
	'file', 'stream', 'buffer', 'cache', 'key', 'value', 'entry', 'record', 'row', 'column', 'table', 'field',
	'model', 'query', 'cursor', 'connection', 'pool', 'client', 'server', 'handler', 'route', 'view',
	'template', 'context', 'state', 'status', 'result', 'error', 'metric', 'counter', 'timer', 'span',
	'header', 'body', 'payload', 'schema', 'name', 'id', 'uuid', 'hash', 'date', 'time', 'price', 'amount',
	'currency', 'address', 'email', 'phone', 'country', 'city', 'tag', 'label', 'group', 'role',
	'permission', 'policy', 'rule', 'index', 'page', 'limit', 'offset', 'batch', 'chunk', 'block', 'packet',
	'socket', 'port', 'host', 'url', 'method', 'params', 'options', 'flags', 'mode', 'level', 'version',
	'invoice', 'payment', 'product', 'category', 'customer', 'comment', 'post', 'document', 'attachment',
	'signal', 'hook', 'plugin', 'backend', 'middleware', 'serializer', 'manager', 'registry', 'factory',
];

const WORDS = [
	'the', 'of', 'and', 'to', 'in', 'is', 'for', 'on', 'with', 'as', 'by', 'at', 'from', 'this', 'that',
	'be', 'are', 'not', 'or', 'an', 'it', 'if', 'no', 'can', 'will', 'should', 'must', 'may', 'return',
	'returns', 'value', 'object', 'list', 'error', 'user', 'order', 'request', 'default', 'new', 'old',
	'invalid', 'missing', 'required', 'optional', 'field', 'record', 'payment', 'failed', 'succeeded',
	'timeout', 'connection', 'reset', 'server', 'client', 'cache', 'hit', 'miss', 'key', 'found', 'please',
	'try', 'again', 'later', 'account', 'locked', 'password', 'changed', 'email', 'sent', 'welcome', 'back',
	'item', 'added', 'cart', 'total', 'price', 'updated', 'deleted', 'created', 'shipping', 'address',
	'delivery', 'expected', 'tomorrow', 'customer', 'support', 'ticket', 'opened', 'closed', 'priority',
	'high', 'low', 'medium', 'status', 'pending', 'active', 'report', 'daily', 'weekly', 'summary',
];

/** Interned short values: many objects share these strings. */
const VOCAB = [
	'active', 'inactive', 'pending', 'closed', 'open', 'draft', 'published', 'archived', 'deleted', 'GET',
	'POST', 'PUT', 'PATCH', 'DELETE', 'en', 'en_US', 'fr_FR', 'de_DE', 'ja_JP', 'utf-8', 'ascii', 'default',
	'admin', 'staff', 'member', 'guest', 'read', 'write', 'USD', 'EUR', 'GBP', 'JPY', 'ok', 'error', 'info',
	'debug', 'warning', 'critical', 'new', 'paid', 'shipped', 'refunded', 'cancelled', 'high', 'low',
	'normal', 'primary', 'secondary', 'json', 'xml', 'csv', 'text/html', 'application/json', 'gzip', 'none',
	'public', 'private', 'internal', 'US', 'FR', 'DE', 'JP', 'GB', 'CA', 'web', 'mobile', 'api', 'cli',
];

const FIRST_NAMES = [
	'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
	'Wei', 'Aiko', 'Omar', 'Fatima', 'Lars', 'Ingrid', 'Carlos', 'Lucia', 'Ivan', 'Olga', 'Kwame', 'Amara',
	'Raj', 'Priya', 'Hiro', 'Yuki', 'Pierre', 'Claire', 'Hans', 'Greta', 'Ahmed', 'Leila', 'Noah', 'Emma',
];

const LAST_NAMES = [
	'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Lopez',
	'Chen', 'Wang', 'Tanaka', 'Sato', 'Haddad', 'Nilsson', 'Berg', 'Silva', 'Petrov', 'Mensah', 'Patel',
	'Kumar', 'Dubois', 'Martin', 'Schmidt', 'Fischer', 'Rossi', 'Novak', 'Kowalski', 'Okafor', 'Kim',
];

/**
 * Non-ASCII values: accents, CJK, right-to-left scripts, emoji (astral, so a
 * surrogate pair in JSON), combining marks, and the unpleasant ones a viewer
 * must neutralise: terminal escapes, bidi overrides, NUL, DEL, C1 controls.
 */
const UNICODE_VALUES = [
	'Zoë Lefèvre', 'José García', 'München', 'Ærøskøbing', 'naïve café', 'Crème brûlée', 'Łódź',
	'東京都千代田区', '日本語のテキスト', '北京市', '서울특별시', 'Привет, мир', 'Ελληνικά', 'שלום עולם',
	'مرحبا بالعالم', 'नमस्ते', 'ไทย', '🎉 launch day', 'done ✓', 'A → B', '€12.50', '£7.99', '¥1200',
	'👩\u200d💻 dev', 'e\u0301cole', 'ﬁnance', 'Ω≈ç√∫', '\u202eevil.exe\u202c', '\u001b[31mred\u001b[0m',
	'tab\tseparated', 'line one\nline two', 'nul\u0000byte', 'del\u007fchar', 'c1\u0085next', 'quote "q"',
	'back\\slash', '\ud83d\ude80 rocket', 'Ｆｕｌｌｗｉｄｔｈ', '\u200b\u200bzero width',
];

const TLDS = ['com', 'org', 'net', 'io', 'dev', 'co.uk', 'de', 'fr', 'jp'];
const DOMAINS = ['example', 'acme', 'shop', 'mail', 'corp', 'cloud', 'data', 'api', 'cdn', 'static'];
const PACKAGES = [
	'app', 'core', 'api', 'services', 'billing', 'accounts', 'orders', 'catalog', 'notifications', 'search',
	'django', 'requests', 'urllib3', 'sqlalchemy', 'json', 'email', 'http', 'logging', 'asyncio',
	'collections', 'typing', 'encodings', 'importlib', 'concurrent', 'xml', 'celery', 'kombu', 'redis',
	'pydantic', 'werkzeug', 'jinja2', 'botocore', 'boto3', 'google', 'grpc', 'numpy', 'pandas', 'certifi',
];

/** The application's classes: the heap's instances belong to these. */
const USER_CLASS_NAMES = [
	'User', 'Session', 'Request', 'Response', 'Order', 'LineItem', 'Account', 'Invoice', 'Payment',
	'Product', 'Category', 'Customer', 'Address', 'Token', 'Event', 'Message', 'Task', 'Job', 'Node',
	'Edge', 'Config', 'Setting', 'Cursor', 'Connection', 'Record', 'Row', 'Column', 'Field', 'Query',
	'CacheEntry', 'Span', 'Metric', 'Counter', 'Timer', 'Worker', 'Channel', 'Subscription', 'Notification',
	'Permission', 'Role', 'Group', 'Tag', 'Comment', 'Post', 'Attachment', 'Document', 'Page', 'Template',
	'Route', 'Handler', 'Config',
];

/** User classes defined with __slots__ (no instance __dict__). */
const SLOTS_CLASSES = new Set(['Token', 'Edge', 'Span', 'Row', 'Column', 'Counter', 'Tag']);

// Attribute kinds of user-class instances.
const A_INT = 0;
const A_SMALL_INT = 1;
const A_ID_STR = 2;
const A_TEXT = 3;
const A_PERSON = 4;
const A_EMAIL = 5;
const A_URL = 6;
const A_PATH = 7;
const A_VOCAB = 8;
const A_TIMESTAMP = 9;
const A_FLOAT = 10;
const A_BOOL = 11;
const A_OPTIONAL_TEXT = 12;
const A_LIST_STR = 13;
const A_LIST_INST = 14;
const A_META = 15;
const A_PAIR = 16;
const A_INST = 17;
const A_BYTES = 18;
const A_TAGS = 19;
const A_DATETIME = 20;
const A_CHECKSUM = 21;
const A_PARENT = 22;
const A_CHILDREN = 23;
const A_NONE = 24;

/** Attribute names and what they hold. `id` is always first. */
const ATTRIBUTES: ReadonlyArray<readonly [string, number]> = [
	['name', A_PERSON], ['title', A_TEXT], ['email', A_EMAIL], ['uuid', A_ID_STR], ['created_at', A_TIMESTAMP],
	['updated_at', A_DATETIME], ['status', A_VOCAB], ['is_active', A_BOOL], ['count', A_SMALL_INT],
	['price', A_FLOAT], ['amount', A_FLOAT], ['tags', A_TAGS], ['items', A_LIST_INST], ['owner', A_INST],
	['meta', A_META], ['url', A_URL], ['path', A_PATH], ['payload', A_BYTES], ['checksum', A_CHECKSUM],
	['description', A_OPTIONAL_TEXT], ['_cache', A_NONE], ['_lock', A_NONE], ['labels', A_LIST_STR],
	['position', A_PAIR], ['user', A_INST], ['session', A_INST], ['version', A_SMALL_INT],
	['retries', A_SMALL_INT], ['currency', A_VOCAB], ['locale', A_VOCAB], ['key', A_ID_STR], ['body', A_TEXT],
	['headers', A_META], ['size', A_INT], ['offset', A_INT], ['score', A_FLOAT], ['deleted', A_BOOL],
	['token', A_ID_STR], ['address', A_TEXT], ['phone', A_ID_STR], ['slug', A_ID_STR], ['expires_at', A_TIMESTAMP],
	['_state', A_INST], ['history', A_LIST_STR], ['related', A_LIST_INST], ['weight', A_SMALL_INT],
];

// ---------------------------------------------------------------- sizes (CPython 3.11, 64-bit)

function dictSize(n: number): number {
	if (n === 0) {
		return 64;
	}

	let capacity = 8;
	while (((capacity * 2) / 3 | 0) < n) {
		capacity *= 2;
	}

	const usable = (capacity * 2) / 3 | 0;
	const indexBytes = capacity <= 128 ? 1 : capacity <= 32_768 ? 2 : 4;
	return 64 + 32 + capacity * indexBytes + usable * 16;
}

function setSize(n: number): number {
	let table = 8;
	let fill = 0;
	for (let i = 0; i < n; i++) {
		fill++;
		if (fill * 5 >= (table - 1) * 3) {
			const want = fill > 50_000 ? fill * 2 : fill * 4;
			while (table <= want) {
				table *= 2;
			}
		}
	}

	return table === 8 ? 216 : 216 + 16 * table;
}

function listSize(n: number, grown: boolean): number {
	if (!grown || n === 0) {
		return 56 + 8 * n;
	}

	return 56 + 8 * ((n + (n >> 3) + 6) & ~3);
}

function plural(noun: string): string {
	if (noun.endsWith('y') && !/[aeiou]y$/.test(noun)) {
		return noun.slice(0, -1) + 'ies';
	}

	return /(s|x|ch|sh)$/.test(noun) ? noun + 'es' : noun + 's';
}

function intSize(value: number): number {
	const magnitude = Math.abs(value);
	if (magnitude < 1_073_741_824) {
		return 28;
	}

	return magnitude < 1_152_921_504_606_846_976 ? 32 : 36;
}

// ---------------------------------------------------------------- output

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);

const P_ADDRESS = bytesOf('{"address": ');
const P_NAME = bytesOf(', "name": ');
const P_LEN = bytesOf(', "len": ');
const P_VALUE = bytesOf(', "value": ');
const P_REFS_EMPTY = bytesOf(', "refs": []}\n');
const P_REFS = bytesOf(', "refs": [');
const P_END = bytesOf(']}\n');
const CHUNK_BYTES = 1 << 22;
const HEX = bytesOf('0123456789abcdef');

/** JSON string style: meliae's own (\uXXXX for non-ASCII, "\/"), or raw UTF-8. */
const MODE_MELIAE = 0;
const MODE_RAW = 1;

/** Fixed chunks of output; full chunks wait in `chunks` for the sink. */
class ByteWriter {
	buf: Uint8Array = Buffer.allocUnsafeSlow(CHUNK_BYTES);
	pos = 0;
	chunks: Uint8Array[] = [];
	total = 0;

	/** Chunk buffers the sink is done with, reused to spare page faults. */
	private readonly spare: Uint8Array[] = [];

	/** Start a new chunk with room for at least `n` bytes. */
	rotate(n: number): void {
		if (this.pos > 0) {
			this.chunks.push(this.buf.subarray(0, this.pos));
			this.total += this.pos;
		}

		this.buf = n <= CHUNK_BYTES && this.spare.length > 0 ? this.spare.pop()! : Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, n));
		this.pos = 0;
	}

	/** Give back a chunk once written (each chunk owns its whole ArrayBuffer). */
	recycle(chunk: Uint8Array): void {
		if (chunk.buffer.byteLength === CHUNK_BYTES && this.spare.length < 32) {
			this.spare.push(new Uint8Array(chunk.buffer));
		}
	}

	/** Take every completed byte, including the partial chunk. */
	takeAll(): Uint8Array[] {
		this.rotate(0);
		const out = this.chunks;
		this.chunks = [];
		return out;
	}
}

// The put* functions write at `pos` and return the new position; callers
// make sure the buffer has room.

function putBytes(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
	const n = bytes.length;
	for (let i = 0; i < n; i++) {
		buf[pos++] = bytes[i]!;
	}

	return pos;
}

function putAscii(buf: Uint8Array, pos: number, text: string): number {
	const n = text.length;
	for (let i = 0; i < n; i++) {
		buf[pos++] = text.charCodeAt(i);
	}

	return pos;
}

/** "00".."99" as byte pairs, to write two digits per division. */
const DIGIT_PAIRS = (() => {
	const pairs = new Uint8Array(200);
	for (let i = 0; i < 100; i++) {
		pairs[2 * i] = 48 + Math.floor(i / 10);
		pairs[2 * i + 1] = 48 + (i % 10);
	}

	return pairs;
})();

/** Decimal digits of a non-negative int32. */
function putSmall(buf: Uint8Array, pos: number, v: number): number {
	const digits = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10_000 ? 4 : v < 100_000 ? 5
		: v < 1_000_000 ? 6 : v < 10_000_000 ? 7 : v < 100_000_000 ? 8 : v < 1_000_000_000 ? 9 : 10;
	let p = pos + digits;
	while (v >= 100) {
		const q = (v / 100) | 0;
		const r = (v - q * 100) << 1;
		buf[--p] = DIGIT_PAIRS[r + 1]!;
		buf[--p] = DIGIT_PAIRS[r]!;
		v = q;
	}

	if (v >= 10) {
		buf[--p] = DIGIT_PAIRS[(v << 1) + 1]!;
		buf[--p] = DIGIT_PAIRS[v << 1]!;
	} else {
		buf[--p] = 48 + v;
	}

	return pos + digits;
}

/** Decimal digits of a non-negative integer below 2^53. */
function putUint(buf: Uint8Array, pos: number, n: number): number {
	if (n < 2_147_483_648) {
		return putSmall(buf, pos, n | 0);
	}

	// A high part and exactly 8 low digits, both small integers.
	const high = Math.floor(n / 100_000_000);
	let low = (n - high * 100_000_000) | 0;
	const start = putSmall(buf, pos, high | 0);
	let p = start + 8;
	for (let i = 0; i < 4; i++) {
		const q = (low / 100) | 0;
		const r = (low - q * 100) << 1;
		buf[--p] = DIGIT_PAIRS[r + 1]!;
		buf[--p] = DIGIT_PAIRS[r]!;
		low = q;
	}

	return start + 8;
}

/** A quoted JSON string: controls always escaped; non-ASCII escaped (meliae) or raw UTF-8. */
function putJsonString(buf: Uint8Array, pos: number, text: string, mode: number): number {
	const n = text.length;
	let p = pos;
	buf[p++] = 34;
	for (let i = 0; i < n; i++) {
		const c = text.charCodeAt(i);
		if (c >= 0x20 && c < 0x7f) {
			if (c === 34 || c === 92 || (c === 47 && mode === MODE_MELIAE)) {
				buf[p++] = 92;
			}

			buf[p++] = c;
		} else if (c < 0xa0 || mode === MODE_MELIAE) {
			// C0, DEL, C1, and (meliae style) everything else non-ASCII.
			if (c === 10 && mode === MODE_RAW) {
				buf[p++] = 92;
				buf[p++] = 110;
				continue;
			}

			buf[p++] = 92;
			buf[p++] = 117;
			buf[p++] = HEX[(c >> 12) & 15]!;
			buf[p++] = HEX[(c >> 8) & 15]!;
			buf[p++] = HEX[(c >> 4) & 15]!;
			buf[p++] = HEX[c & 15]!;
		} else if (c < 0x800) {
			buf[p++] = 0xc0 | (c >> 6);
			buf[p++] = 0x80 | (c & 63);
		} else if (c >= 0xd8_00 && c < 0xdc_00 && i + 1 < n) {
			const low = text.charCodeAt(i + 1);
			const cp = 0x1_00_00 + ((c - 0xd8_00) << 10) + (low - 0xdc_00);
			i++;
			buf[p++] = 0xf0 | (cp >> 18);
			buf[p++] = 0x80 | ((cp >> 12) & 63);
			buf[p++] = 0x80 | ((cp >> 6) & 63);
			buf[p++] = 0x80 | (cp & 63);
		} else {
			buf[p++] = 0xe0 | (c >> 12);
			buf[p++] = 0x80 | ((c >> 6) & 63);
			buf[p++] = 0x80 | (c & 63);
		}
	}

	buf[p++] = 34;
	return p;
}

// ---------------------------------------------------------------- units

/** Reference encodings in a unit: global ordinal, unit-local node, or a raw address. */
const LOCAL = 4_294_967_296;
const RAW_ADDRESS = 8_589_934_592;

const V_NONE = 0;
const V_STR = 1;
const V_INT = 2;
const V_BIGINT = 3;

// What a committed node registers in the generator's pools.
const REG_INSTANCE = 1;
const REG_FUNCTION = 2;
const REG_NESTED_CODE = 3;
const REG_MODULE = 4;
const REG_MODULE_DICT = 5;
const REG_MODULE_NAME = 6;
const REG_CLASS = 7;
const REG_STATIC = 8;
const REG_BUILTIN_TYPE = 9;
const REG_BUILTINS_DICT = 10;
const REG_METHOD_FUNCTION = 11;
const REG_EMPTY_BYTES = 12;

/** One unit of objects, in pre-order, in growable typed arrays. */
class Unit {
	n = 0;
	type = new Uint16Array(1024);
	size = new Float64Array(1024);
	len = new Int32Array(1024);
	valueKind = new Uint8Array(1024);
	valueNumber = new Float64Array(1024);
	valueText: Array<string | undefined> = [];
	valueMode = new Uint8Array(1024);
	name: Array<string | undefined> = [];
	refStart = new Int32Array(1024);
	refCount = new Int32Array(1024);
	refs = new Float64Array(4096);
	refTotal = 0;
	/** Flat [kind, node, a, b, c] registrations applied on commit. */
	registrations: number[] = [];

	reset(): void {
		this.n = 0;
		this.refTotal = 0;
		this.registrations.length = 0;
	}

	add(type: number, size: number, refCount: number): number {
		if (this.n === this.type.length) {
			this.growNodes();
		}

		if (this.refTotal + refCount > this.refs.length) {
			let capacity = this.refs.length * 2;
			while (capacity < this.refTotal + refCount) {
				capacity *= 2;
			}

			const refs = new Float64Array(capacity);
			refs.set(this.refs.subarray(0, this.refTotal));
			this.refs = refs;
		}

		const k = this.n++;
		this.type[k] = type;
		this.size[k] = size;
		this.len[k] = -1;
		this.valueKind[k] = V_NONE;
		this.valueText[k] = undefined;
		this.name[k] = undefined;
		this.refStart[k] = this.refTotal;
		this.refCount[k] = refCount;
		this.refTotal += refCount;
		return k;
	}

	ref(node: number, slot: number, target: number): void {
		this.refs[this.refStart[node]! + slot] = target;
	}

	register(kind: number, node: number, a = 0, b = 0, c = 0): void {
		this.registrations.push(kind, node, a, b, c);
	}

	private growNodes(): void {
		const capacity = this.type.length * 2;
		const grow = <A extends Uint16Array | Float64Array | Int32Array | Uint8Array>(old: A, make: (n: number) => A): A => {
			const next = make(capacity);
			next.set(old as never);
			return next;
		};

		this.type = grow(this.type, n => new Uint16Array(n));
		this.size = grow(this.size, n => new Float64Array(n));
		this.len = grow(this.len, n => new Int32Array(n));
		this.valueKind = grow(this.valueKind, n => new Uint8Array(n));
		this.valueNumber = grow(this.valueNumber, n => new Float64Array(n));
		this.valueMode = grow(this.valueMode, n => new Uint8Array(n));
		this.refStart = grow(this.refStart, n => new Int32Array(n));
		this.refCount = grow(this.refCount, n => new Int32Array(n));
	}
}

/** A growable pool of ordinals with one small tag each. */
class Pool {
	ordinals = new Uint32Array(1024);
	tags = new Int32Array(1024);
	n = 0;

	push(ordinal: number, tag: number): void {
		if (this.n === this.ordinals.length) {
			const ordinals = new Uint32Array(this.n * 2);
			ordinals.set(this.ordinals);
			this.ordinals = ordinals;
			const tags = new Int32Array(this.n * 2);
			tags.set(this.tags);
			this.tags = tags;
		}

		this.ordinals[this.n] = ordinal;
		this.tags[this.n] = tag;
		this.n++;
	}
}

type AttributeSpec = {readonly nameIndex: number; readonly kind: number};

type ClassSpec = {
	readonly id: number;
	readonly name: string;
	/** Index into the generator's type-name table (what instances say as "type"). */
	readonly typeId: number;
	readonly slots: boolean;
	readonly attributes: readonly AttributeSpec[];
	readonly methodNames: readonly number[];
	/** Relative frequency of instances. */
	readonly weight: number;
	typeOrdinal: number;
};

type ModulePlan = {
	readonly fullName: string;
	readonly userClasses: readonly number[];
};

// ---------------------------------------------------------------- the generator

/** The application-data units and how often each is chosen. */
const BULK_UNITS: ReadonlyArray<readonly [string, number]> = [
	['instance', 70],
	['tree', 0.8],
	['payload', 9],
	['strings', 7],
	['rows', 2],
	['set', 3],
	['closure', 9],
	['callbacks', 3],
	['weak-values', 3.5],
	['floats', 0.5],
];

const HEAP_BASE = 0x7f8a_2c00_0000;
const STATIC_BASE = 0x55d4_1a60_0000;
/** Budget the module phase may use, as a share of all objects. */
const MODULE_SHARE = 0.36;

class DumpGenerator {
	readonly rng: Rng;
	readonly writer = new ByteWriter();
	readonly unit = new Unit();
	readonly total: number;
	next = 0;
	refsWritten = 0;
	danglingWritten = 0;
	readonly typeNames: string[] = [...BUILTIN_TYPE_NAMES];
	/** Per type: `, "type": "name", "size": `. */
	typeNameBytes: Uint8Array[] = [];
	typeCounts: number[] = [];

	// Address scramble parameters.
	private readonly blockBits: number;
	private readonly blockMask: number;
	private readonly mulA: number;
	private readonly mulB: number;
	private readonly xorC: number;
	private staticAddress = new Float64Array(1 << 12);
	private staticNext = STATIC_BASE;

	// The interned-name pool: names[i] is at ordinal namesBase + i.
	readonly names: string[] = [];
	private readonly nameIndex = new Map<string, number>();
	namesBase = 0;
	private namesWritten = false;
	/** Name ranges: dunders, then common words, then class names, then identifiers. */
	private dunderEnd = 0;
	private plainEnd = 0;
	private identifierStart = 0;

	// Well-known ordinals.
	noneOrdinal = 0;
	trueOrdinal = 0;
	falseOrdinal = 0;
	smallIntBase = 0;
	emptyBytesOrdinal = 0;
	builtinsDictOrdinal = 0;
	readonly builtinTypeOrdinal: number[] = [];

	readonly classes: ClassSpec[] = [];
	private classCumulative: number[] = [];
	readonly modules = new Pool(); // tag: module index → dict ordinal in moduleDicts
	readonly moduleDicts = new Pool(); // tag: module index
	readonly moduleNames = new Pool(); // tag: module index
	readonly libraryClasses = new Pool(); // type ordinals of classes without instances
	readonly instances = new Pool(); // tag: class id
	readonly functions = new Pool(); // tag: module index; function ordinal
	readonly functionNames = new Pool(); // tag: name index; ordinal of its code
	readonly nestedCodes = new Pool(); // tag: module index
	readonly nestedCodeNames = new Pool(); // tag: name index
	readonly methodFunctions = new Pool(); // tag: class id
	private lastInstanceOf: Int32Array;

	constructor(total: number, seed: number) {
		this.total = total;
		this.rng = new Rng(seed);
		let bits = 1;
		while ((1 << bits) * 64 < total) {
			bits++;
		}

		this.blockBits = bits;
		this.blockMask = bits >= 31 ? 0x7fff_ffff : (1 << bits) - 1;
		this.mulA = (this.rng.u32() | 1) >>> 0;
		this.mulB = (this.rng.u32() | 1) >>> 0;
		this.xorC = this.rng.u32() & this.blockMask;
		this.lastInstanceOf = new Int32Array(USER_CLASS_NAMES.length).fill(-1);
		this.refreshTypeBytes();
	}

	// -------------------------------------------------------------- addresses

	address(ordinal: number): number {
		if (ordinal < this.staticAddress.length) {
			const fixed = this.staticAddress[ordinal]!;
			if (fixed !== 0) {
				return fixed;
			}
		}

		const mask = this.blockMask;
		let x = ordinal >>> 6;
		x = Math.imul(x, this.mulA) & mask;
		x ^= x >>> ((this.blockBits + 1) >> 1);
		x = Math.imul(x, this.mulB) & mask;
		x ^= this.xorC;
		const h = Math.imul(x ^ 0x5bd1_e995, 0x27d4_eb2d) >>> 0;
		const within = ((ordinal & 63) * 37 + h) & 63;
		return HEAP_BASE + (x * 64 + within) * 64 + ((h >>> 13) & 3) * 16;
	}

	/** An address in the interpreter's static data that is not in the dump. */
	danglingAddress(): number {
		return STATIC_BASE + 0x40_0000 + this.rng.int(1 << 16) * 16;
	}

	// -------------------------------------------------------------- names

	private addName(text: string): number {
		if (this.namesWritten) {
			throw new Error('the name pool is already written');
		}

		const existing = this.nameIndex.get(text);
		if (existing !== undefined) {
			return existing;
		}

		const index = this.names.length;
		this.names.push(text);
		this.nameIndex.set(text, index);
		return index;
	}

	nameOrdinal(index: number): number {
		return this.namesBase + index;
	}

	named(text: string): number {
		const index = this.nameIndex.get(text);
		if (index === undefined) {
			throw new Error(`name not interned: ${text}`);
		}

		return this.namesBase + index;
	}

	private refreshTypeBytes(): void {
		this.typeNameBytes = this.typeNames.map(name => bytesOf(`, "type": ${JSON.stringify(name)}, "size": `));
		while (this.typeCounts.length < this.typeNames.length) {
			this.typeCounts.push(0);
		}
	}

	// -------------------------------------------------------------- commit

	/** Write the unit's lines, apply its registrations, and start a new unit. */
	commit(): void {
		const u = this.unit;
		const base = this.next;
		const regs = u.registrations;
		for (let r = 0; r < regs.length; r += 5) {
			this.applyRegistration(regs[r]!, base + regs[r + 1]!, regs[r + 2]!, regs[r + 3]!, base + regs[r + 4]!, u);
		}

		for (let k = 0; k < u.n; k++) {
			this.writeLine(base, k);
		}

		this.next += u.n;
		u.reset();
	}

	private applyRegistration(kind: number, ordinal: number, a: number, b: number, other: number, u: Unit): void {
		switch (kind) {
			case REG_INSTANCE: {
				this.instances.push(ordinal, a);
				this.lastInstanceOf[a] = ordinal;
				break;
			}

			case REG_FUNCTION: {
				this.functions.push(ordinal, a);
				this.functionNames.push(other, b);
				break;
			}

			case REG_NESTED_CODE: {
				this.nestedCodes.push(ordinal, a);
				this.nestedCodeNames.push(ordinal, b);
				break;
			}

			case REG_MODULE: {
				this.modules.push(ordinal, a);
				break;
			}

			case REG_MODULE_DICT: {
				this.moduleDicts.push(ordinal, a);
				break;
			}

			case REG_MODULE_NAME: {
				this.moduleNames.push(ordinal, a);
				break;
			}

			case REG_CLASS: {
				if (a >= 0) {
					this.classes[a]!.typeOrdinal = ordinal;
				} else {
					this.libraryClasses.push(ordinal, 0);
				}

				break;
			}

			case REG_STATIC: {
				if (ordinal >= this.staticAddress.length) {
					let capacity = this.staticAddress.length * 2;
					while (capacity <= ordinal) {
						capacity *= 2;
					}

					const grown = new Float64Array(capacity);
					grown.set(this.staticAddress);
					this.staticAddress = grown;
				}

				this.staticAddress[ordinal] = this.staticNext;
				const size = u.size[ordinal - this.next]!;
				this.staticNext += Math.ceil(size / 16) * 16 + (this.rng.chance(0.2) ? 16 * this.rng.range(1, 8) : 0);
				break;
			}

			case REG_BUILTIN_TYPE: {
				this.builtinTypeOrdinal[a] = ordinal;
				break;
			}

			case REG_BUILTINS_DICT: {
				this.builtinsDictOrdinal = ordinal;
				break;
			}

			case REG_METHOD_FUNCTION: {
				this.methodFunctions.push(ordinal, a);
				break;
			}

			case REG_EMPTY_BYTES: {
				this.emptyBytesOrdinal = ordinal;
				break;
			}

			default: {
				throw new Error(`unknown registration ${kind}`);
			}
		}
	}

	private writeLine(base: number, k: number): void {
		const u = this.unit;
		const w = this.writer;
		const type = u.type[k]!;
		this.typeCounts[type]!++;
		const name = u.name[k];
		const valueKind = u.valueKind[k]!;
		const valueText = u.valueText[k];
		const count = u.refCount[k]!;
		// One capacity check per line: fixed parts, escaped strings (≤ 6 bytes per
		// UTF-16 unit), and 18 bytes per reference.
		const worst = 160 + this.typeNameBytes[type]!.length + (name === undefined ? 0 : name.length * 6)
			+ (valueText === undefined ? 0 : valueText.length * 6) + count * 18;
		if (w.pos + worst > w.buf.length) {
			w.rotate(worst);
		}

		const buf = w.buf;
		let pos = putBytes(buf, w.pos, P_ADDRESS);
		pos = putUint(buf, pos, this.address(base + k));
		pos = putBytes(buf, pos, this.typeNameBytes[type]!);
		pos = putUint(buf, pos, u.size[k]!);
		if (name !== undefined) {
			pos = putBytes(buf, pos, P_NAME);
			pos = putJsonString(buf, pos, name, MODE_MELIAE);
		}

		const length = u.len[k]!;
		if (length >= 0) {
			pos = putBytes(buf, pos, P_LEN);
			pos = putUint(buf, pos, length);
		}

		if (valueKind !== V_NONE) {
			pos = putBytes(buf, pos, P_VALUE);
			if (valueKind === V_STR) {
				pos = putJsonString(buf, pos, valueText!, u.valueMode[k]!);
			} else if (valueKind === V_INT) {
				const value = u.valueNumber[k]!;
				if (value < 0) {
					buf[pos++] = 45;
				}

				pos = putUint(buf, pos, Math.abs(value));
			} else {
				pos = putAscii(buf, pos, valueText!);
			}
		}

		if (count === 0) {
			w.pos = putBytes(buf, pos, P_REFS_EMPTY);
			return;
		}

		pos = putBytes(buf, pos, P_REFS);
		const refs = u.refs;
		const start = u.refStart[k]!;
		for (let i = 0; i < count; i++) {
			const target = refs[start + i]!;
			let address: number;
			if (target < LOCAL) {
				address = this.address(target);
			} else if (target < RAW_ADDRESS) {
				address = this.address(base + target - LOCAL);
			} else {
				address = target - RAW_ADDRESS;
				this.danglingWritten++;
			}

			if (i > 0) {
				buf[pos++] = 44;
				buf[pos++] = 32;
			}

			pos = putUint(buf, pos, address);
		}

		this.refsWritten += count;
		w.pos = putBytes(buf, pos, P_END);
	}

	// -------------------------------------------------------------- node helpers

	/** A new str node; `fullLength` > value length means meliae truncated it. */
	str(text: string, fullLength = -1, mode = MODE_MELIAE): number {
		const u = this.unit;
		if (fullLength < 0 && text.length <= 100 && mode === MODE_MELIAE) {
			// Fast path for short text: ASCII if no unit is above 0x7f.
			let ascii = true;
			for (let i = 0; i < text.length; i++) {
				if (text.charCodeAt(i) > 0x7f) {
					ascii = false;
					break;
				}
			}

			if (ascii) {
				const k = u.add(T_STR, 49 + text.length, 0);
				u.len[k] = text.length;
				u.valueKind[k] = V_STR;
				u.valueText[k] = text;
				u.valueMode[k] = MODE_MELIAE;
				return LOCAL + k;
			}
		}

		let codePoints = 0;
		let maxCode = 0;
		let cut = -1;
		for (let i = 0; i < text.length; i++) {
			let c = text.charCodeAt(i);
			if (c >= 0xd8_00 && c < 0xdc_00 && i + 1 < text.length) {
				c = 0x1_00_00 + ((c - 0xd8_00) << 10) + (text.charCodeAt(i + 1) - 0xdc_00);
				i++;
			}

			codePoints++;
			if (c > maxCode) {
				maxCode = c;
			}

			if (codePoints === 100 && cut < 0) {
				cut = i + 1;
			}
		}

		const value = codePoints > 100 ? text.slice(0, cut) : text;
		// A longer real length only makes sense when the value is a full 100-char prefix.
		const length = codePoints >= 100 && fullLength > codePoints ? fullLength : codePoints;
		const size = maxCode < 0x80
			? 49 + length
			: maxCode < 0x1_00
				? 73 + length
				: maxCode < 0x1_00_00
					? 74 + 2 * length
					: 76 + 4 * length;
		const k = u.add(T_STR, size, 0);
		u.len[k] = length;
		u.valueKind[k] = V_STR;
		u.valueText[k] = value;
		u.valueMode[k] = mode;
		return LOCAL + k;
	}

	/** An int: shared small int, or a new int node. */
	int(value: number): number {
		if (value >= -5 && value <= 256 && Number.isInteger(value)) {
			return this.smallIntBase + value + 5;
		}

		const u = this.unit;
		const k = u.add(T_INT, intSize(value), 0);
		u.valueKind[k] = V_INT;
		u.valueNumber[k] = value;
		return LOCAL + k;
	}

	/** An int too big for a double: decimal digits as text. */
	bigInt(digits: string): number {
		const u = this.unit;
		const bits = Math.ceil((digits.replace('-', '').length) * 3.3219);
		const k = u.add(T_INT, 24 + 4 * Math.ceil(bits / 30), 0);
		u.valueKind[k] = V_BIGINT;
		u.valueText[k] = digits;
		return LOCAL + k;
	}

	float(): number {
		return LOCAL + this.unit.add(T_FLOAT, 24, 0);
	}

	bytes(length: number): number {
		const u = this.unit;
		const k = u.add(T_BYTES, 33 + length, 0);
		u.len[k] = length;
		return LOCAL + k;
	}

	bool(value: boolean): number {
		return value ? this.trueOrdinal : this.falseOrdinal;
	}

	/** A container of `count` references; fill with `this.unit.ref`. */
	container(type: number, count: number, size: number): number {
		const u = this.unit;
		const k = u.add(type, size, count);
		u.len[k] = type === T_DICT ? count / 2 : count;
		return k;
	}

	/** A tuple of existing or new objects produced by `make`. */
	tupleOf(count: number, make: (i: number) => number): number {
		const k = this.container(T_TUPLE, count, 40 + 8 * count);
		for (let i = 0; i < count; i++) {
			this.unit.ref(k, i, make(i));
		}

		return LOCAL + k;
	}

	/** A tuple of distinct interned names. */
	nameTuple(count: number, first?: number): number {
		const chosen = this.distinctNames(count, first);
		return this.tupleOf(chosen.length, i => this.nameOrdinal(chosen[i]!));
	}

	/**
	 * Up to `count` distinct name indexes from [from, to): biased towards the
	 * start of the range (the common names come first), or uniform.
	 */
	distinctNames(count: number, first?: number, from = 0, to = this.names.length, biased = true): number[] {
		const chosen: number[] = [];
		if (first !== undefined) {
			chosen.push(first);
		}

		let guard = 0;
		while (chosen.length < count && guard++ < count * 20) {
			const r = this.rng.float();
			const index = from + Math.floor((biased ? r * r : r) * (to - from));
			if (!chosen.includes(index)) {
				chosen.push(index);
			}
		}

		return chosen;
	}

	/** A name index, biased towards the common names at the start of the pool. */
	identifierIndex(): number {
		const r = this.rng.float();
		return Math.floor(r * r * this.names.length);
	}

	/** A generated identifier (function and method names), uniform. */
	generatedIdentifier(): number {
		return this.identifierStart + this.rng.int(this.names.length - this.identifierStart);
	}

	recentInstance(): number {
		const pool = this.instances;
		if (pool.n === 0) {
			return this.noneOrdinal;
		}

		const window = this.rng.chance(0.7) ? Math.min(pool.n, 20_000) : pool.n;
		return pool.ordinals[pool.n - 1 - this.rng.int(window)]!;
	}

	// -------------------------------------------------------------- text

	words(min: number, max: number): string {
		const rng = this.rng;
		const n = rng.range(min, max);
		let out = rng.pick(WORDS);
		out = out.charAt(0).toUpperCase() + out.slice(1);
		for (let i = 1; i < n; i++) {
			out += ' ' + rng.pick(WORDS);
		}

		return out;
	}

	person(): string {
		const rng = this.rng;
		if (rng.chance(0.06)) {
			return rng.pick(UNICODE_VALUES);
		}

		return rng.pick(FIRST_NAMES) + ' ' + rng.pick(LAST_NAMES);
	}

	email(): string {
		const rng = this.rng;
		return `${rng.pick(FIRST_NAMES).toLowerCase()}.${rng.pick(LAST_NAMES).toLowerCase()}${rng.int(100)}@${rng.pick(DOMAINS)}.${rng.pick(TLDS)}`;
	}

	url(): string {
		const rng = this.rng;
		return `https://${rng.pick(DOMAINS)}.${rng.pick(TLDS)}/${plural(rng.pick(NOUNS))}/${rng.int(1_000_000)}?ref=${rng.pick(VOCAB)}`;
	}

	path(): string {
		const rng = this.rng;
		return `/srv/app/${rng.pick(PACKAGES)}/${rng.pick(NOUNS)}/${rng.pick(NOUNS)}_${rng.int(500)}.${rng.pick(['py', 'json', 'txt', 'csv', 'log'])}`;
	}

	/** A text value: short words, sometimes unicode, sometimes long (truncated). */
	textValue(): number {
		const rng = this.rng;
		const r = rng.float();
		if (r < 0.025) {
			return this.str(rng.pick(UNICODE_VALUES), -1, rng.chance(0.25) ? MODE_RAW : MODE_MELIAE);
		}

		if (r < 0.06) {
			// A long string (docstring, SQL, template): meliae keeps the first 100 chars.
			const text = rng.chance(0.5)
				? `SELECT ${rng.pick(NOUNS)}.id, ${rng.pick(NOUNS)}.${rng.pick(NOUNS)} FROM ${rng.pick(NOUNS)} JOIN ${rng.pick(NOUNS)} ON ${rng.pick(NOUNS)}.id = ${rng.pick(NOUNS)}_id WHERE status = 'active' ORDER BY created_at DESC`
				: this.words(18, 30) + '.\n\n    ' + this.words(10, 20) + '.';
			return this.str(text, rng.range(120, 6000));
		}

		return this.str(this.words(1, 7));
	}

	// -------------------------------------------------------------- prelude

	/** Interned names, singletons, small ints, builtin types, builtins and sys. */
	prelude(): void {
		const rng = this.rng;
		for (const name of DUNDER_NAMES) {
			this.addName(name);
		}

		this.dunderEnd = this.names.length;

		for (const name of COMMON_NAMES) {
			this.addName(name);
		}

		for (const [name] of ATTRIBUTES) {
			this.addName(name);
		}

		this.addName('id');
		for (const name of VOCAB) {
			this.addName(name);
		}

		for (const methods of Object.values(BUILTIN_TYPE_METHODS)) {
			for (const name of methods) {
				this.addName(name);
			}
		}

		for (const name of USER_CLASS_NAMES) {
			this.addName(name);
		}

		for (const name of PACKAGES) {
			this.addName(name);
		}

		for (const name of NOUNS) {
			this.addName(name);
		}

		this.plainEnd = this.names.length;
		// Library class names (the classes of imported packages).
		const libraryNames = Math.min(4000, Math.max(60, Math.round(this.total / 2500)));
		const suffixes = ['Manager', 'Serializer', 'View', 'Handler', 'Middleware', 'Backend', 'Client', 'Error', 'Mixin', 'Factory', 'Config', 'Adapter', 'Loader', 'Field', 'Form', 'Admin', 'Task', 'Schema', 'Query', 'Set'];
		for (let guard = 0; this.names.length < this.plainEnd + libraryNames && guard < libraryNames * 20; guard++) {
			const noun = rng.pick(NOUNS);
			this.addName(noun.charAt(0).toUpperCase() + noun.slice(1) + rng.pick(suffixes) + (rng.chance(0.2) ? rng.pick(suffixes) : ''));
		}

		this.identifierStart = this.names.length;
		const poolSize = this.identifierStart + Math.min(50_000, Math.max(600, Math.round(this.total / 120)));
		let guard = 0;
		while (this.names.length < poolSize && guard++ < poolSize * 10) {
			const verb = rng.pick(VERBS);
			const noun = rng.pick(NOUNS);
			const r = rng.float();
			const name = r < 0.55
				? `${verb}_${noun}`
				: r < 0.7
					? `_${verb}_${noun}`
					: r < 0.85
						? `${verb}_${noun}_${rng.pick(['by', 'for', 'from', 'to', 'with'])}_${rng.pick(NOUNS)}`
						: `${noun}_${rng.pick(NOUNS)}`;
			this.addName(name);
		}

		// The interned names, as meliae meets them first (the interned dict).
		this.namesBase = this.next;
		for (const name of this.names) {
			this.str(name);
		}

		this.commit();
		this.namesWritten = true;

		// Static singletons: None, True, False, Ellipsis, NotImplemented, small ints.
		const u = this.unit;
		const statics = (type: number, size: number): number => {
			const k = u.add(type, size, 0);
			u.register(REG_STATIC, k);
			return k;
		};

		this.noneOrdinal = this.next + statics(T_NONE, 16);
		const t = statics(T_BOOL, 28);
		u.valueKind[t] = V_STR;
		u.valueText[t] = 'True';
		this.trueOrdinal = this.next + t;
		const f = statics(T_BOOL, 28);
		u.valueKind[f] = V_STR;
		u.valueText[f] = 'False';
		this.falseOrdinal = this.next + f;
		statics(T_ELLIPSIS, 16);
		statics(T_NOT_IMPLEMENTED, 16);
		this.smallIntBase = this.next + u.n;
		for (let v = -5; v <= 256; v++) {
			const k = statics(T_INT, v === 0 ? 24 : 28);
			u.valueKind[k] = V_INT;
			u.valueNumber[k] = v;
		}

		const empty = statics(T_BYTES, 33);
		u.len[empty] = 0;
		u.register(REG_EMPTY_BYTES, empty);
		this.commit();

		// Builtin types: static type objects, each with a heap dict of descriptors
		// (which point back at the type) and an mro tuple.
		const objectOrdinal = this.next;
		const typeOrder = [T_OBJECT, ...BUILTIN_TYPE_NAMES.keys()].filter((id, index) => index === 0 || id !== T_OBJECT);
		for (const typeId of typeOrder) {
			const typeName = BUILTIN_TYPE_NAMES[typeId]!;
			const isObject = typeId === T_OBJECT;
			const methods = BUILTIN_TYPE_METHODS[typeName] ?? [];
			const k = u.add(T_TYPE, 400 + rng.int(12) * 16, isObject ? 2 : 3);
			u.name[k] = typeName;
			u.register(REG_STATIC, k);
			u.register(REG_BUILTIN_TYPE, k, typeId);
			const dictNames = ['__doc__', ...methods];
			const d = this.container(T_DICT, dictNames.length * 2, dictSize(dictNames.length));
			u.ref(k, 0, LOCAL + d);
			for (let i = 0; i < dictNames.length; i++) {
				u.ref(d, 2 * i, this.named(dictNames[i]!));
				if (i === 0) {
					u.ref(d, 1, rng.chance(0.5) ? this.noneOrdinal : this.str(this.words(6, 14) + '.'));
					continue;
				}

				const kind = dictNames[i]!.startsWith('__') ? T_WRAPPER_DESCRIPTOR : T_METHOD_DESCRIPTOR;
				const descriptor = u.add(kind, 72, 2);
				u.ref(descriptor, 0, LOCAL + k);
				u.ref(descriptor, 1, this.named(dictNames[i]!));
				u.ref(d, 2 * i + 1, LOCAL + descriptor);
			}

			const mro = isObject
				? this.tupleOf(1, () => LOCAL + k)
				: this.tupleOf(2, i => (i === 0 ? LOCAL + k : objectOrdinal));
			u.ref(k, 1, mro);
			if (!isObject) {
				u.ref(k, 2, objectOrdinal);
			}

			this.commit();
		}

		this.builtinsModule();
	}

	private builtinsModule(): void {
		const u = this.unit;
		const rng = this.rng;
		const typeEntries = BUILTIN_TYPE_NAMES.filter(name => this.nameIndex.has(name));
		const functions = BUILTIN_FUNCTIONS.slice(0, Math.max(12, Math.min(BUILTIN_FUNCTIONS.length, this.total / 50_000)));
		const keys = 3 + functions.length + typeEntries.length + 2;
		const m = u.add(T_MODULE, 72, 1);
		u.name[m] = 'builtins';
		u.register(REG_MODULE, m, -1);
		const d = this.container(T_DICT, keys * 2, dictSize(keys));
		u.ref(m, 0, LOCAL + d);
		u.register(REG_BUILTINS_DICT, d);
		let slot = 0;
		const entry = (key: number, value: number): void => {
			u.ref(d, slot++, key);
			u.ref(d, slot++, value);
		};

		const moduleName = this.str('builtins');
		entry(this.named('__name__'), moduleName);
		entry(this.named('__doc__'), this.str(this.words(12, 20) + '.', rng.range(300, 400)));
		entry(this.named('__package__'), this.str(''));
		for (const name of functions) {
			const k = u.add(T_BUILTIN_FUNCTION, 72, 2);
			u.ref(k, 0, LOCAL + m);
			u.ref(k, 1, moduleName);
			entry(this.named(name), LOCAL + k);
		}

		for (const name of typeEntries) {
			const typeId = BUILTIN_TYPE_NAMES.indexOf(name as (typeof BUILTIN_TYPE_NAMES)[number]);
			entry(this.named(name), this.builtinTypeOrdinal[typeId]!);
		}

		entry(this.named('None'), this.noneOrdinal);
		entry(this.named('True'), this.trueOrdinal);
		this.commit();
	}

	// -------------------------------------------------------------- classes and modules

	planClasses(userClassCount: number): void {
		const rng = this.rng;
		for (let id = 0; id < userClassCount; id++) {
			const name = USER_CLASS_NAMES[id]!;
			const slots = SLOTS_CLASSES.has(name);
			const attributes: AttributeSpec[] = [{nameIndex: this.nameIndex.get('id')!, kind: A_INT}];
			if (name === 'Node') {
				for (const [attr, kind] of [['parent', A_PARENT], ['children', A_CHILDREN], ['name', A_ID_STR], ['value', A_INT]] as const) {
					attributes.push({nameIndex: this.nameIndex.get(attr)!, kind});
				}
			} else {
				const want = slots ? rng.range(2, 4) : rng.range(3, 9);
				const used = new Set<number>();
				while (attributes.length < want) {
					const i = rng.int(ATTRIBUTES.length);
					if (!used.has(i)) {
						used.add(i);
						const [attr, kind] = ATTRIBUTES[i]!;
						// Slot values are never dicts (a 2-ref slot instance would look like [dict, type]).
						attributes.push({nameIndex: this.nameIndex.get(attr)!, kind: slots && kind === A_META ? A_VOCAB : kind});
					}
				}
			}

			const methodNames = this.methodNames(rng.range(1, 9));
			if (!this.typeNames.includes(name)) {
				this.typeNames.push(name);
			}

			// Zipf-like popularity; Node trees get their own unit.
			const weight = name === 'Node' ? 0 : 1 / (1 + ((id * 7) % userClassCount)) ** 0.9;
			this.classes.push({
				id, name, typeId: this.typeNames.indexOf(name), slots, attributes, methodNames, weight, typeOrdinal: -1,
			});
		}

		let sum = 0;
		this.classCumulative = this.classes.map(spec => (sum += spec.weight));
		this.refreshTypeBytes();
	}

	/** `__init__`, maybe a few special methods, then generated identifiers. */
	methodNames(count: number): number[] {
		const rng = this.rng;
		const chosen = this.distinctNames(count, this.nameIndex.get('__init__'), this.identifierStart, this.names.length, false);
		const specials = ['__repr__', '__eq__', '__hash__', '__len__', '__iter__', '__enter__', '__exit__', '__call__', '__str__', '__lt__', '__contains__', '__getitem__'];
		for (let i = rng.count(0, 0.8, 4); i > 0; i--) {
			const special = this.nameIndex.get(rng.pick(specials))!;
			if (!chosen.includes(special)) {
				chosen.push(special);
			}
		}

		return chosen;
	}

	pickClass(): ClassSpec {
		const cumulative = this.classCumulative;
		const r = this.rng.float() * cumulative[cumulative.length - 1]!;
		let lo = 0;
		let hi = cumulative.length - 1;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (cumulative[mid]! > r) {
				hi = mid;
			} else {
				lo = mid + 1;
			}
		}

		return this.classes[lo]!;
	}

	planModule(index: number, userClasses: number[]): ModulePlan {
		const rng = this.rng;
		const top = userClasses.length > 0 ? rng.pick(['app', 'core', 'billing', 'accounts', 'orders']) : rng.pick(PACKAGES);
		const parts = [top];
		const depth = rng.range(1, 3);
		for (let i = 0; i < depth; i++) {
			const noun = rng.pick(NOUNS);
			parts.push(i === depth - 1 && rng.chance(0.3) ? plural(noun) : noun);
		}

		// Module names are unique (they are sys.modules keys): go one level deeper, then number.
		let fullName = parts.join('.');
		for (let tries = 0; this.moduleNamesUsed.has(fullName) && tries < 3; tries++) {
			fullName += '.' + rng.pick(NOUNS);
		}

		if (this.moduleNamesUsed.has(fullName)) {
			fullName += `_${index}`;
		}

		this.moduleNamesUsed.add(fullName);
		return {fullName, userClasses};
	}

	private readonly moduleNamesUsed = new Set<string>(['builtins', 'sys']);

	/** A module: module → dict → functions, classes, constants, imports. */
	moduleUnit(moduleIndex: number, plan: ModulePlan, small: boolean): void {
		const u = this.unit;
		const rng = this.rng;
		const functionCount = small ? 2 : rng.count(2, 22, 150);
		const libraryClassCount = small ? 0 : rng.count(0, 1.4, 12);
		const importCount = Math.min(this.modules.n, rng.range(1, 9));
		const constantCount = small ? 1 : rng.count(0, 3, 30);
		const base = ['__name__', '__doc__', '__package__', '__loader__', '__spec__', '__file__', '__cached__', '__builtins__'];
		// Distinct keys: classes, imports, constants and functions share one namespace.
		const keyNames = [
			...plan.userClasses.map(id => this.nameIndex.get(this.classes[id]!.name)!),
			...this.distinctNames(libraryClassCount, undefined, this.plainEnd, this.identifierStart, false),
			...this.distinctNames(importCount, undefined, this.dunderEnd, this.plainEnd),
			...this.distinctNames(constantCount + functionCount, undefined, this.identifierStart, this.names.length, false),
		];
		const unique = keyNames.filter((value, index, all) => all.indexOf(value) === index);
		const keyCount = base.length + unique.length;
		const m = u.add(T_MODULE, 72, 1);
		u.name[m] = plan.fullName;
		u.register(REG_MODULE, m, moduleIndex);
		const d = this.container(T_DICT, keyCount * 2, dictSize(keyCount));
		u.ref(m, 0, LOCAL + d);
		u.register(REG_MODULE_DICT, d, moduleIndex);
		let slot = 0;
		const entry = (key: number, value: number): void => {
			u.ref(d, slot++, key);
			u.ref(d, slot++, value);
		};

		const nameRef = this.str(plan.fullName);
		u.register(REG_MODULE_NAME, nameRef - LOCAL, moduleIndex);
		entry(this.named('__name__'), nameRef);
		entry(this.named('__doc__'), rng.chance(0.6) ? this.str(this.words(8, 30) + '.', rng.range(100, 2000)) : this.noneOrdinal);
		entry(this.named('__package__'), this.str(plan.fullName.slice(0, plan.fullName.lastIndexOf('.'))));
		entry(this.named('__loader__'), this.recentLibraryObject());
		entry(this.named('__spec__'), this.noneOrdinal);
		const filePath = `/srv/app/.venv/lib/python3.11/site-packages/${plan.fullName.replaceAll('.', '/')}.py`;
		const fileRef = this.str(filePath);
		entry(this.named('__file__'), fileRef);
		entry(this.named('__cached__'), this.str(filePath.replace(/([^/]+)\.py$/, '__pycache__/$1.cpython-311.pyc')));
		entry(this.named('__builtins__'), this.builtinsDictOrdinal);
		const moduleRefs = {dict: LOCAL + d, name: nameRef, file: fileRef, index: moduleIndex};
		let i = 0;
		for (; i < unique.length && i < plan.userClasses.length; i++) {
			entry(this.nameOrdinal(unique[i]!), this.classNode(this.classes[plan.userClasses[i]!]!, moduleRefs));
		}

		for (let j = 0; j < libraryClassCount && i < unique.length; j++, i++) {
			entry(this.nameOrdinal(unique[i]!), this.classNode(undefined, moduleRefs, this.names[unique[i]!]!));
		}

		for (let j = 0; j < importCount && i < unique.length; j++, i++) {
			entry(this.nameOrdinal(unique[i]!), this.modules.ordinals[this.rng.int(this.modules.n)]!);
		}

		for (let j = 0; j < constantCount && i < unique.length; j++, i++) {
			entry(this.nameOrdinal(unique[i]!), this.constantValue());
		}

		for (; i < unique.length; i++) {
			entry(this.nameOrdinal(unique[i]!), this.functionNode(unique[i]!, moduleRefs, undefined));
		}
	}

	private recentLibraryObject(): number {
		return this.libraryClasses.n > 0 ? this.libraryClasses.ordinals[this.rng.int(this.libraryClasses.n)]! : this.noneOrdinal;
	}

	private constantValue(): number {
		const rng = this.rng;
		const r = rng.float();
		if (r < 0.3) {
			return this.int(rng.chance(0.5) ? rng.range(-5, 256) : rng.range(257, 100_000));
		}

		if (r < 0.55) {
			return this.str(rng.chance(0.5) ? rng.pick(VOCAB) + '_' + rng.pick(NOUNS) : this.words(2, 8));
		}

		if (r < 0.7) {
			return this.tupleOf(rng.range(2, 6), () => this.nameOrdinal(this.identifierIndex()));
		}

		if (r < 0.8) {
			const n = rng.range(2, 8);
			const k = this.container(T_FROZENSET, n, setSize(n));
			const names = this.distinctNames(n);
			for (let i = 0; i < n; i++) {
				this.unit.ref(k, i, i < names.length ? this.nameOrdinal(names[i]!) : this.noneOrdinal);
			}

			return LOCAL + k;
		}

		if (r < 0.9) {
			return this.float();
		}

		return rng.chance(0.5) ? this.bool(rng.chance(0.5)) : this.noneOrdinal;
	}

	/** A function with its code object, as defined in a module or a class body. */
	functionNode(
		nameIndex: number,
		module: {dict: number; name: number; file: number; index: number},
		qualname: string | undefined,
	): number {
		const u = this.unit;
		const rng = this.rng;
		const hasDefaults = rng.chance(0.35);
		const hasDoc = rng.chance(0.3);
		// Referents as CPython 3.11 lists them: code, globals, builtins, module, defaults, doc, name, qualname.
		const f = u.add(T_FUNCTION, 152, hasDefaults ? 8 : 7);
		u.name[f] = this.names[nameIndex]!;
		const classId = this.currentClassId;
		// The qualname str is shared by the function and its code (pre-order puts it first).
		const qualnameRef = qualname === undefined ? this.nameOrdinal(nameIndex) : this.str(qualname);
		const code = this.codeNode(nameIndex, qualnameRef, module, qualname !== undefined, 0);
		u.register(REG_FUNCTION, f, module.index, nameIndex, code);
		if (qualname !== undefined) {
			u.register(REG_METHOD_FUNCTION, f, classId);
		}

		let slot = 0;
		u.ref(f, slot++, LOCAL + code);
		u.ref(f, slot++, module.dict);
		u.ref(f, slot++, this.builtinsDictOrdinal);
		u.ref(f, slot++, module.name);
		if (hasDefaults) {
			u.ref(f, slot++, this.tupleOf(rng.range(1, 3), () => (rng.chance(0.5) ? this.noneOrdinal : rng.chance(0.5) ? this.int(rng.range(0, 10)) : this.bool(rng.chance(0.5)))));
		}

		u.ref(f, slot++, hasDoc ? this.str(this.words(6, 16) + '.', rng.range(60, 900)) : this.noneOrdinal);
		u.ref(f, slot++, this.nameOrdinal(nameIndex));
		u.ref(f, slot++, qualnameRef);
		return LOCAL + f;
	}

	/** Set while a class body's methods are being built. */
	private currentClassId = -1;

	/** A code object: consts, names, local names, filename, name, qualname, line table. */
	codeNode(
		nameIndex: number,
		qualnameRef: number,
		module: {dict: number; name: number; file: number; index: number},
		isMethod: boolean,
		depth: number,
	): number {
		const u = this.unit;
		const rng = this.rng;
		// An exception table only when the code has try blocks.
		const hasExceptionTable = rng.chance(0.2);
		const c = u.add(T_CODE, 0, hasExceptionTable ? 8 : 7);
		const instructions = rng.count(4, 60, 2000);
		u.size[c] = 200 + instructions * 2 + rng.int(8) * 8;
		const nested = depth === 0 && rng.chance(0.12);

		const constCount = rng.count(1, 3.2, 40) + (nested ? 1 : 0);
		const consts = this.container(T_TUPLE, constCount, 40 + 8 * constCount);
		for (let i = 0; i < constCount; i++) {
			let value: number;
			if (nested && i === constCount - 1) {
				const innerName = this.generatedIdentifier();
				value = LOCAL + this.codeNode(innerName, this.str(`${this.names[nameIndex]}.<locals>.${this.names[innerName]}`), module, false, 1);
				u.register(REG_NESTED_CODE, value - LOCAL, module.index, innerName);
			} else if (i === 0) {
				value = rng.chance(0.7) ? this.noneOrdinal : this.str(this.words(4, 14) + '.');
			} else {
				const r = rng.float();
				value = r < 0.4
					? this.int(rng.range(-1, 64))
					: r < 0.8
						? this.str(rng.chance(0.5) ? this.words(1, 5) : rng.pick(VOCAB))
						: r < 0.9 ? this.nameOrdinal(this.identifierIndex()) : this.noneOrdinal;
			}

			u.ref(consts, i, value);
		}

		u.ref(c, 0, LOCAL + consts);
		u.ref(c, 1, this.nameTuple(rng.count(0, 3, 40)));
		u.ref(c, 2, this.nameTuple(rng.count(1, 2.6, 30), isMethod ? this.nameIndex.get('self') : undefined));
		u.ref(c, 3, module.file);
		u.ref(c, 4, this.nameOrdinal(nameIndex));
		u.ref(c, 5, qualnameRef);
		u.ref(c, 6, this.bytes(Math.ceil(instructions / 3)));
		if (hasExceptionTable) {
			u.ref(c, 7, this.bytes(rng.range(4, 40)));
		}
		return c;
	}

	/** A class: type → dict (methods, descriptors), mro, bases, base. */
	classNode(
		spec: ClassSpec | undefined,
		module: {dict: number; name: number; file: number; index: number},
		libraryName?: string,
	): number {
		const u = this.unit;
		const rng = this.rng;
		const name = spec?.name ?? libraryName!;
		const t = u.add(T_TYPE, 1064 + rng.int(40) * 16, 4);
		u.name[t] = name;
		u.register(REG_CLASS, t, spec?.id ?? -1);
		const methodNames = spec?.methodNames ?? this.methodNames(rng.count(1, 4, 30));
		const slotNames = spec?.slots ? spec.attributes.map(attribute => attribute.nameIndex) : [];
		const fixed = ['__module__', '__qualname__', '__doc__'];
		if (spec?.slots) {
			fixed.push('__slots__');
		} else {
			fixed.push('__dict__', '__weakref__');
		}

		const fixedIndexes = fixed.map(key => this.nameIndex.get(key)!);
		const methods = methodNames.filter(index => !fixedIndexes.includes(index) && !slotNames.includes(index));
		const keyCount = fixed.length + methods.length + slotNames.length;
		const d = this.container(T_DICT, keyCount * 2, dictSize(keyCount));
		u.ref(t, 0, LOCAL + d);
		let slot = 0;
		const entry = (key: number, value: number): void => {
			u.ref(d, slot++, key);
			u.ref(d, slot++, value);
		};

		entry(this.named('__module__'), module.name);
		entry(this.named('__qualname__'), this.named(name));
		entry(this.named('__doc__'), rng.chance(0.5) ? this.str(this.words(6, 20) + '.', rng.range(40, 1500)) : this.noneOrdinal);
		if (spec?.slots) {
			entry(this.named('__slots__'), this.tupleOf(slotNames.length, i => this.nameOrdinal(slotNames[i]!)));
			for (const slotName of slotNames) {
				const member = u.add(T_MEMBER, 64, 2);
				u.ref(member, 0, LOCAL + t);
				u.ref(member, 1, this.nameOrdinal(slotName));
				entry(this.nameOrdinal(slotName), LOCAL + member);
			}
		} else {
			for (const key of ['__dict__', '__weakref__']) {
				const getset = u.add(T_GETSET, 64, 2);
				u.ref(getset, 0, LOCAL + t);
				u.ref(getset, 1, this.named(key));
				entry(this.named(key), LOCAL + getset);
			}
		}

		this.currentClassId = spec?.id ?? -1;
		for (const method of methods) {
			const r = rng.float();
			const fn = this.functionNode(method, module, `${name}.${this.names[method]}`);
			if (r < 0.08 || r > 0.96) {
				const wrapper = u.add(r < 0.04 ? T_STATICMETHOD : r < 0.08 ? T_CLASSMETHOD : T_PROPERTY, r > 0.96 ? 80 : 56, 1);
				u.ref(wrapper, 0, fn);
				entry(this.nameOrdinal(method), LOCAL + wrapper);
			} else {
				entry(this.nameOrdinal(method), fn);
			}
		}

		this.currentClassId = -1;
		// Single inheritance: from an earlier class of the same kind, or from object.
		const objectType = this.builtinTypeOrdinal[T_OBJECT]!;
		let baseType = objectType;
		if (spec === undefined && this.libraryClasses.n > 0 && rng.chance(0.4)) {
			baseType = this.libraryClasses.ordinals[rng.int(this.libraryClasses.n)]!;
		}

		const mro = baseType === objectType
			? this.tupleOf(2, i => (i === 0 ? LOCAL + t : objectType))
			: this.tupleOf(3, i => (i === 0 ? LOCAL + t : i === 1 ? baseType : objectType));
		u.ref(t, 1, mro);
		u.ref(t, 2, this.tupleOf(1, () => baseType));
		u.ref(t, 3, baseType);
		return LOCAL + t;
	}

	/** sys: sys.modules (every module by name), sys.path, sys.argv, sys.maxsize (beyond 2^53). */
	sysModuleUnit(): void {
		const u = this.unit;
		const rng = this.rng;
		const keys = ['modules', 'path', 'argv', 'maxsize', 'version', '__name__'];
		const m = u.add(T_MODULE, 72, 1);
		u.name[m] = 'sys';
		const d = this.container(T_DICT, keys.length * 2, dictSize(keys.length));
		u.ref(m, 0, LOCAL + d);
		let slot = 0;
		const entry = (key: string, value: number): void => {
			u.ref(d, slot++, this.namedOrNew(key));
			u.ref(d, slot++, value);
		};

		const count = this.moduleNames.n;
		// The modules pool starts with builtins; app modules follow in the order of their names.
		const modules = this.container(T_DICT, 2 * (count + 2), dictSize(count + 2));
		u.ref(modules, 0, this.str('builtins'));
		u.ref(modules, 1, this.modules.ordinals[0]!);
		u.ref(modules, 2, this.str('sys'));
		u.ref(modules, 3, LOCAL + m);
		for (let i = 0; i < count; i++) {
			u.ref(modules, 2 * i + 4, this.moduleNames.ordinals[i]!);
			u.ref(modules, 2 * i + 5, this.modules.ordinals[i + 1]!);
		}

		entry('modules', LOCAL + modules);
		const paths = ['/srv/app', '/usr/lib/python311.zip', '/usr/lib/python3.11', '/usr/lib/python3.11/lib-dynload', '/srv/app/.venv/lib/python3.11/site-packages'];
		const path = this.container(T_LIST, paths.length, listSize(paths.length, true));
		paths.forEach((text, i) => {
			u.ref(path, i, this.str(text));
		});
		entry('path', LOCAL + path);
		const argv = this.container(T_LIST, 3, listSize(3, false));
		u.ref(argv, 0, this.str('/srv/app/.venv/bin/gunicorn'));
		u.ref(argv, 1, this.str('--workers=' + String(rng.range(2, 16))));
		u.ref(argv, 2, this.str('app.wsgi:application'));
		entry('argv', LOCAL + argv);
		entry('maxsize', this.bigInt('9223372036854775807'));
		entry('version', this.str('3.11.7 (main, Dec  8 2023, 18:56:58) [GCC 11.4.0]'));
		entry('__name__', this.str('sys'));
	}

	/** An interned name when the pool has it, else a new str. */
	private namedOrNew(text: string): number {
		const index = this.nameIndex.get(text);
		return index === undefined ? this.str(text) : this.nameOrdinal(index);
	}

	// -------------------------------------------------------------- bulk units

	/** An instance of a user class: [__dict__, type] or [slots..., type]. */
	instanceNode(spec: ClassSpec, parent = -1, depth = 0): number {
		const u = this.unit;
		const attributes = spec.attributes;
		const n = attributes.length;
		if (spec.slots) {
			const k = u.add(spec.typeId, 16 + 8 * n + 16, n + 1);
			u.register(REG_INSTANCE, k, spec.id);
			for (let i = 0; i < n; i++) {
				u.ref(k, i, this.attributeValue(attributes[i]!.kind, parent, depth, k));
			}

			u.ref(k, n, spec.typeOrdinal);
			return LOCAL + k;
		}

		const k = u.add(spec.typeId, 56, 2);
		u.register(REG_INSTANCE, k, spec.id);
		const d = this.container(T_DICT, 2 * n, dictSize(n));
		u.ref(k, 0, LOCAL + d);
		u.ref(k, 1, spec.typeOrdinal);
		for (let i = 0; i < n; i++) {
			u.ref(d, 2 * i, this.nameOrdinal(attributes[i]!.nameIndex));
			u.ref(d, 2 * i + 1, this.attributeValue(attributes[i]!.kind, parent, depth, k));
		}

		return LOCAL + k;
	}

	private attributeValue(kind: number, parent: number, depth: number, self: number): number {
		const rng = this.rng;
		const u = this.unit;
		switch (kind) {
			case A_INT: {
				return this.int(rng.chance(0.45) ? rng.range(257, 50_000_000) : rng.range(-5, 256));
			}

			case A_SMALL_INT: {
				return this.int(rng.count(0, 4, 256));
			}

			case A_ID_STR: {
				return this.str(rng.chance(0.7) ? `${rng.pick(NOUNS).slice(0, 3)}_${rng.hex(rng.chance(0.5) ? 8 : 12)}` : `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`);
			}

			case A_TEXT: {
				return this.textValue();
			}

			case A_OPTIONAL_TEXT: {
				return rng.chance(0.5) ? this.noneOrdinal : this.textValue();
			}

			case A_PERSON: {
				const text = this.person();
				return this.str(text, -1, rng.chance(0.1) ? MODE_RAW : MODE_MELIAE);
			}

			case A_EMAIL: {
				return this.str(this.email());
			}

			case A_URL: {
				return this.str(this.url());
			}

			case A_PATH: {
				return this.str(this.path());
			}

			case A_VOCAB: {
				return this.named(rng.pick(VOCAB));
			}

			case A_TIMESTAMP: {
				return rng.chance(0.25) ? this.noneOrdinal : this.int(1_600_000_000 + rng.int(150_000_000));
			}

			case A_DATETIME: {
				return rng.chance(0.15) ? this.noneOrdinal : LOCAL + u.add(T_DATETIME, 48, 0);
			}

			case A_FLOAT: {
				return rng.chance(0.5) ? this.float() : this.noneOrdinal;
			}

			case A_BOOL: {
				return this.bool(rng.chance(0.7));
			}

			case A_LIST_STR: {
				const n = rng.count(0, 3, 40);
				const k = this.container(T_LIST, n, listSize(n, rng.chance(0.6)));
				for (let i = 0; i < n; i++) {
					u.ref(k, i, rng.chance(0.3) ? this.named(rng.pick(VOCAB)) : this.str(this.words(1, 4)));
				}

				return LOCAL + k;
			}

			case A_TAGS: {
				const n = rng.count(0, 3, 12);
				const names = this.distinctNames(n, undefined, this.dunderEnd, this.plainEnd);
				const k = this.container(T_SET, names.length, setSize(names.length));
				for (let i = 0; i < names.length; i++) {
					u.ref(k, i, this.nameOrdinal(names[i]!));
				}

				return LOCAL + k;
			}

			case A_LIST_INST: {
				const n = rng.count(0, 2, 30);
				const k = this.container(T_LIST, n, listSize(n, true));
				for (let i = 0; i < n; i++) {
					u.ref(k, i, this.recentInstance());
				}

				return LOCAL + k;
			}

			case A_META: {
				return this.payloadDict(depth + 1);
			}

			case A_PAIR: {
				return this.tupleOf(2, () => (rng.chance(0.1) ? this.float() : this.int(rng.range(-5, 400))));
			}

			case A_INST: {
				return rng.chance(0.1) ? this.noneOrdinal : this.recentInstance();
			}

			case A_BYTES: {
				const r = rng.float();
				return r < 0.3 ? this.noneOrdinal : r < 0.4 ? this.emptyBytesOrdinal : this.bytes(rng.count(1, 300, 65_536));
			}

			case A_CHECKSUM: {
				if (rng.chance(0.02)) {
					// A 64- or 128-bit hash: beyond 2^53, so only exact as digits.
					let digits = String(rng.range(1, 9));
					const length = rng.chance(0.5) ? 19 : 38;
					while (digits.length < length) {
						digits += String(rng.int(10));
					}

					return this.bigInt(rng.chance(0.1) ? '-' + digits : digits);
				}

				return this.int(rng.range(0, 2_147_483_647));
			}

			case A_PARENT: {
				return parent >= 0 ? LOCAL + parent : this.noneOrdinal;
			}

			case A_CHILDREN: {
				const spec = this.classes[this.nodeClassId]!;
				const n = depth < 2 ? rng.count(0, depth === 0 ? 5 : 1.5, 12) : 0;
				const k = this.container(T_LIST, n, listSize(n, true));
				for (let i = 0; i < n; i++) {
					u.ref(k, i, this.instanceNode(spec, self, depth + 1));
				}

				return LOCAL + k;
			}

			default: {
				return this.noneOrdinal;
			}
		}
	}

	nodeClassId = -1;

	/** A JSON-like dict: interned keys, scalar values, sometimes nested. */
	payloadDict(depth: number): number {
		const rng = this.rng;
		const u = this.unit;
		const names = this.distinctNames(rng.count(1, 5, 24), undefined, this.dunderEnd, this.plainEnd);
		const n = names.length;
		const d = this.container(T_DICT, 2 * n, dictSize(n));
		for (let i = 0; i < n; i++) {
			u.ref(d, 2 * i, this.nameOrdinal(names[i]!));
			const r = rng.float();
			let value: number;
			if (r < 0.3) {
				value = this.str(rng.chance(0.5) ? this.words(1, 4) : rng.hex(rng.range(6, 32)));
			} else if (r < 0.45) {
				value = this.int(rng.chance(0.7) ? rng.range(0, 256) : rng.range(257, 10_000_000));
			} else if (r < 0.59) {
				value = this.named(rng.pick(VOCAB));
			} else if (r < 0.63) {
				value = this.float();
			} else if (r < 0.73) {
				value = this.bool(rng.chance(0.5));
			} else if (r < 0.8) {
				value = this.noneOrdinal;
			} else if (r < 0.9 && depth < 3) {
				value = this.payloadDict(depth + 1);
			} else if (depth < 3) {
				const m = rng.count(0, 3, 16);
				const k = this.container(T_LIST, m, listSize(m, rng.chance(0.5)));
				for (let j = 0; j < m; j++) {
					u.ref(k, j, rng.chance(0.5) ? this.int(rng.range(0, 1000)) : this.str(this.words(1, 3)));
				}

				value = LOCAL + k;
			} else {
				value = this.noneOrdinal;
			}

			u.ref(d, 2 * i + 1, value);
		}

		return LOCAL + d;
	}

	/** A list of row tuples, as a database cursor returns them. */
	rowsUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		const rows = rng.count(1, 5, 60);
		const width = rng.range(2, 6);
		const k = this.container(T_LIST, rows, listSize(rows, true));
		for (let r = 0; r < rows; r++) {
			u.ref(k, r, this.tupleOf(width, i => {
				switch (i) {
					case 0: {
						return this.int(rng.range(1, 5_000_000));
					}

					case 1: {
						return this.str(rng.chance(0.5) ? this.person() : this.words(1, 3));
					}

					case 2: {
						return rng.chance(0.2) ? this.noneOrdinal : this.float();
					}

					case 3: {
						return this.named(rng.pick(VOCAB));
					}

					default: {
						return rng.chance(0.3) ? this.int(rng.range(1_600_000_000, 1_750_000_000)) : this.named(rng.pick(VOCAB));
					}
				}
			}));
		}
	}

	listOfStrUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		const n = rng.count(1, 7, 120);
		const k = this.container(T_LIST, n, listSize(n, rng.chance(0.7)));
		for (let i = 0; i < n; i++) {
			u.ref(k, i, rng.chance(0.15) ? this.nameOrdinal(this.identifierIndex()) : this.textValue());
		}
	}

	setUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		const n = rng.count(1, 6, 64);
		const k = this.container(T_SET, n, setSize(n));
		for (let i = 0; i < n; i++) {
			u.ref(k, i, rng.chance(0.7) ? this.str(`${rng.pick(NOUNS)}:${rng.int(10_000_000)}`) : this.int(rng.range(257, 1 << 30)));
		}
	}

	/** A closure: function → code (shared), globals, cells → captured values. */
	closureUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		if (this.nestedCodes.n === 0) {
			this.listOfStrUnit();
			return;
		}

		const which = rng.int(this.nestedCodes.n);
		const codeOrdinal = this.nestedCodes.ordinals[which]!;
		const moduleIndex = this.nestedCodes.tags[which]!;
		const nameIndex = this.nestedCodeNames.tags[which]!;
		const cells = rng.range(1, 4);
		const f = u.add(T_FUNCTION, 152, 8);
		u.name[f] = this.names[nameIndex]!;
		u.ref(f, 0, codeOrdinal);
		u.ref(f, 1, this.moduleDictOf(moduleIndex));
		u.ref(f, 2, this.builtinsDictOrdinal);
		u.ref(f, 3, this.moduleNameOf(moduleIndex));
		u.ref(f, 4, this.noneOrdinal);
		u.ref(f, 5, this.nameOrdinal(nameIndex));
		u.ref(f, 6, this.str(`${rng.pick(VERBS)}_${rng.pick(NOUNS)}.<locals>.${this.names[nameIndex]}`));
		u.ref(f, 7, this.tupleOf(cells, () => {
			const cell = u.add(T_CELL, 40, 1);
			const r = rng.float();
			u.ref(cell, 0, r < 0.5 ? this.recentInstance() : r < 0.8 ? this.textValue() : this.int(rng.range(0, 100_000)));
			return LOCAL + cell;
		}));
	}

	private moduleDictOf(moduleIndex: number): number {
		// Module indexes count from 0 in registration order, so they index the pools directly.
		return this.moduleDicts.ordinals[Math.min(moduleIndex, this.moduleDicts.n - 1)]!;
	}

	private moduleNameOf(moduleIndex: number): number {
		return this.moduleNames.ordinals[Math.min(moduleIndex, this.moduleNames.n - 1)]!;
	}

	/** Callbacks: a list of bound methods → [function, self]. */
	callbacksUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		if (this.methodFunctions.n === 0) {
			this.listOfStrUnit();
			return;
		}

		const n = rng.count(1, 3, 20);
		const k = this.container(T_LIST, n, listSize(n, true));
		for (let i = 0; i < n; i++) {
			const m = u.add(T_METHOD, 64, 2);
			const which = rng.int(this.methodFunctions.n);
			const classId = this.methodFunctions.tags[which]!;
			const self = classId >= 0 ? this.lastInstanceOf[classId]! : -1;
			u.ref(m, 0, this.methodFunctions.ordinals[which]!);
			u.ref(m, 1, self >= 0 ? self : this.recentInstance());
			u.ref(k, i, LOCAL + m);
		}
	}

	/** A WeakValueDictionary's data: keys → weakrefs (a weakref does not refer to its referent). */
	weakValuesUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		const n = rng.count(1, 4, 80);
		const d = this.container(T_DICT, 2 * n, dictSize(n));
		for (let i = 0; i < n; i++) {
			u.ref(d, 2 * i, this.str(`${rng.pick(NOUNS)}-${rng.int(100_000_000)}`));
			const hasCallback = rng.chance(0.3) && this.methodFunctions.n > 0;
			const w = u.add(T_WEAKREF, 80, hasCallback ? 1 : 0);
			if (hasCallback) {
				u.ref(w, 0, this.methodFunctions.ordinals[rng.int(this.methodFunctions.n)]!);
			}

			u.ref(d, 2 * i + 1, LOCAL + w);
		}
	}

	floatsUnit(): void {
		const rng = this.rng;
		const n = rng.count(1, 10, 200);
		const k = this.container(T_LIST, n, listSize(n, true));
		for (let i = 0; i < n; i++) {
			this.unit.ref(k, i, this.float());
		}
	}

	/** A list that refers to objects that were freed: addresses not in the dump. */
	danglingUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		const n = rng.range(2, 5);
		const k = this.container(T_LIST, n, listSize(n, true));
		const bad = rng.int(n);
		for (let i = 0; i < n; i++) {
			u.ref(k, i, i === bad ? RAW_ADDRESS + this.danglingAddress() : this.recentInstance());
		}
	}

	/** The current call stack: frames → [f_back, code, globals, builtins, locals...]. */
	framesUnit(): void {
		const rng = this.rng;
		const u = this.unit;
		const depth = rng.range(25, 60);
		let back = -1;
		for (let i = 0; i < depth && this.functions.n > 0; i++) {
			const which = rng.int(this.functions.n);
			const moduleIndex = this.functions.tags[which]!;
			const codeOrdinal = this.functionNames.ordinals[which]!;
			const nameIndex = this.functionNames.tags[which]!;
			const locals = rng.range(0, 6);
			const frame = u.add(T_FRAME, 400 + 8 * locals + rng.int(8) * 16, (back >= 0 ? 1 : 0) + 3 + locals);
			u.valueKind[frame] = V_STR;
			u.valueText[frame] = this.names[nameIndex]!;
			let slot = 0;
			if (back >= 0) {
				u.ref(frame, slot++, LOCAL + back);
			}

			u.ref(frame, slot++, codeOrdinal);
			u.ref(frame, slot++, this.moduleDictOf(moduleIndex));
			u.ref(frame, slot++, this.builtinsDictOrdinal);
			for (let j = 0; j < locals; j++) {
				const r = rng.float();
				u.ref(frame, slot++, r < 0.5 ? this.recentInstance() : r < 0.8 ? this.textValue() : this.int(rng.range(0, 1000)));
			}

			back = frame;
		}
	}

	/** A registry: one list holding `count` instances (repeats once the heap has fewer). */
	bigListUnit(count: number): void {
		const u = this.unit;
		const k = this.container(T_LIST, count, listSize(count, true));
		const pool = this.instances;
		const step = pool.n >= count ? pool.n / count : 1;
		for (let i = 0; i < count; i++) {
			const index = pool.n >= count ? Math.floor(i * step) : i % Math.max(1, pool.n);
			u.ref(k, i, pool.n === 0 ? this.noneOrdinal : pool.ordinals[index]!);
		}
	}

	/** A cache: one dict of `count` new str keys → existing instances. */
	bigDictUnit(count: number): void {
		const rng = this.rng;
		const u = this.unit;
		const d = this.container(T_DICT, 2 * count, dictSize(count));
		for (let i = 0; i < count; i++) {
			u.ref(d, 2 * i, this.str(`cache:${rng.pick(NOUNS)}:${i.toString(36)}`));
			u.ref(d, 2 * i + 1, this.recentInstance());
		}
	}

	/** Seen ids: one set of `count` new strs and ints. */
	bigSetUnit(count: number): void {
		const rng = this.rng;
		const u = this.unit;
		const k = this.container(T_SET, count, setSize(count));
		for (let i = 0; i < count; i++) {
			u.ref(k, i, rng.chance(0.9) ? this.str(`${rng.hex(16)}`) : this.int(1_000_000_000 + i * 7 + rng.int(7)));
		}
	}

	/** A list that contains itself (instance cycles come from node trees, type ↔ mro, module dict ↔ function). */
	cyclesUnit(): void {
		const u = this.unit;
		const k = this.container(T_LIST, 2, listSize(2, false));
		u.ref(k, 0, LOCAL + k);
		u.ref(k, 1, this.str('self-referencing list'));
	}

	// -------------------------------------------------------------- driver

	async run(sink: Writable): Promise<void> {
		const total = this.total;
		const rng = this.rng;
		const send = async (chunks: Uint8Array[]): Promise<void> => {
			for (const chunk of chunks) {
				if (!sink.write(chunk, () => {
					this.writer.recycle(chunk);
				})) {
					await once(sink, 'drain');
				}
			}
		};

		// Full chunks go out after each unit; the partial one at the end.
		const maybeFlush = async (): Promise<void> => {
			if (this.writer.chunks.length > 0) {
				const chunks = this.writer.chunks;
				this.writer.chunks = [];
				await send(chunks);
			}
		};

		this.prelude();
		const userClassCount = Math.min(USER_CLASS_NAMES.length, Math.max(3, Math.floor(total / 1000)));
		this.planClasses(userClassCount);
		this.nodeClassId = this.classes.findIndex(spec => spec.name === 'Node');

		// Modules: the app's own first (they define the user classes), then libraries.
		const moduleBudget = Math.floor(total * MODULE_SHARE);
		let moduleIndex = 0;
		let nextUserClass = 0;
		while (nextUserClass < this.classes.length || (this.next < moduleBudget && total - this.next > 20_000)) {
			const userClasses: number[] = [];
			const take = nextUserClass < this.classes.length ? rng.range(1, 3) : 0;
			for (let i = 0; i < take && nextUserClass < this.classes.length; i++) {
				userClasses.push(nextUserClass++);
			}

			const plan = this.planModule(moduleIndex, userClasses);
			this.moduleUnit(moduleIndex, plan, false);
			if (this.unit.n > (total - this.next) / 3) {
				// Small dumps: keep the module to its classes and a few functions.
				this.unit.reset();
				this.moduleUnit(moduleIndex, plan, true);
				if (this.unit.n > total - this.next - 1000) {
					throw new Error(`${total} objects is too few for the modules and classes`);
				}
			}

			moduleIndex++;
			this.commit();
			await maybeFlush();
		}

		this.sysModuleUnit();
		this.commit();

		// The heap's data.
		const bulkStart = this.next;
		const bulk = total - bulkStart;
		const scale = Math.min(1, total / 1_000_000);
		const events: Array<{at: number; run: () => void; objects: number}> = [
			{at: 0.35, run: () => this.bigSetUnit(Math.floor(100_000 * scale)), objects: Math.floor(100_000 * scale) + 1},
			{at: 0.5, run: () => this.framesUnit(), objects: 400},
			{at: 0.55, run: () => this.bigDictUnit(Math.floor(55_000 * scale)), objects: Math.floor(55_000 * scale) + 1},
			{at: 0.6, run: () => this.cyclesUnit(), objects: 2},
			{at: 0.75, run: () => this.bigListUnit(Math.floor(120_000 * scale)), objects: 1},
		];
		const danglingCount = 5 + Math.floor(total / 250_000);
		for (let i = 0; i < danglingCount; i++) {
			events.push({at: (i + 0.5) / danglingCount * 0.95, run: () => this.danglingUnit(), objects: 6});
		}

		events.sort((a, b) => a.at - b.at);
		let nextEvent = 0;
		const nodeSpec = this.classes[this.nodeClassId];
		let unitWeightTotal = 0;
		const unitCumulative = BULK_UNITS.map(([, weight]) => (unitWeightTotal += weight));
		while (this.next < total) {
			const remaining = total - this.next;
			const progress = (this.next - bulkStart) / bulk;
			if (remaining <= 64) {
				// Exact finish: a tuple holding the last few strs, or one str.
				if (remaining === 1) {
					this.str(this.words(1, 3));
				} else {
					this.tupleOf(remaining - 1, () => this.str(this.words(1, 3)));
				}
			} else if (nextEvent < events.length && progress >= events[nextEvent]!.at) {
				const event = events[nextEvent++]!;
				if (event.objects + 64 < remaining) {
					event.run();
				}
			} else {
				const r = rng.float() * unitWeightTotal;
				let which = 0;
				while (which < unitCumulative.length - 1 && unitCumulative[which]! <= r) {
					which++;
				}

				if (remaining < 2000) {
					which = 0;
				}

				switch (BULK_UNITS[which]![0]) {
					case 'instance': {
						this.instanceNode(this.pickClass());
						break;
					}

					case 'tree': {
						this.instanceNode(nodeSpec ?? this.pickClass());
						break;
					}

					case 'payload': {
						this.payloadDict(0);
						break;
					}

					case 'strings': {
						this.listOfStrUnit();
						break;
					}

					case 'rows': {
						this.rowsUnit();
						break;
					}

					case 'set': {
						this.setUnit();
						break;
					}

					case 'closure': {
						this.closureUnit();
						break;
					}

					case 'callbacks': {
						this.callbacksUnit();
						break;
					}

					case 'weak-values': {
						this.weakValuesUnit();
						break;
					}

					case 'floats': {
						this.floatsUnit();
						break;
					}
				}
			}

			if (this.unit.n > total - this.next) {
				// Too big for what is left: drop it and try a smaller one.
				this.unit.reset();
				continue;
			}

			this.commit();
			await maybeFlush();
		}

		await send(this.writer.takeAll());
	}
}

// ---------------------------------------------------------------- API

/**
 * Write a synthetic dump of exactly `objects` objects to `out` (gzip if asked).
 * Resolves once the file is complete.
 */
export async function generateDump(options: GenerateOptions): Promise<GenerateResult> {
	const {objects, seed, out} = options;
	if (!Number.isSafeInteger(objects) || objects < MIN_OBJECTS || objects > MAX_OBJECTS) {
		throw new RangeError(`objects must be an integer from ${MIN_OBJECTS} to ${MAX_OBJECTS}, got ${objects}`);
	}

	if (!Number.isSafeInteger(seed) || seed < 0) {
		throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
	}

	const started = performance.now();
	// Deep buffers let generation run on while the disk (or zlib's thread) catches up.
	const file = createWriteStream(out, {highWaterMark: 1 << 26});
	let sink: Writable = file;
	if (options.gzip) {
		// Transform options pass through zlib's options (not in its typings).
		const gzip = createGzip({level: options.gzipLevel ?? 6, highWaterMark: 1 << 26} as ZlibOptions);
		gzip.pipe(file);
		sink = gzip;
	}

	const generator = new DumpGenerator(objects, seed);
	try {
		await generator.run(sink);
		sink.end();
		await finished(file);
	} catch (error) {
		file.destroy();
		throw error;
	}

	const typeCounts: Record<string, number> = {};
	generator.typeNames.forEach((name, id) => {
		const count = generator.typeCounts[id] ?? 0;
		if (count > 0) {
			typeCounts[name] = (typeCounts[name] ?? 0) + count;
		}
	});
	return {
		bytes: generator.writer.total,
		fileBytes: statSync(out).size,
		objects: generator.next,
		refs: generator.refsWritten,
		danglingRefs: generator.danglingWritten,
		typeCounts,
		ms: performance.now() - started,
	};
}

// ---------------------------------------------------------------- CLI

/** Parse counts like 5000000, 5e6, 5_000_000, 5M. */
export function parseCount(text: string): number {
	const cleaned = text.replaceAll('_', '').trim();
	const suffix = /^([\d.]+)\s*([kKmM])$/.exec(cleaned);
	const value = suffix ? Number(suffix[1]) * (suffix[2]!.toLowerCase() === 'k' ? 1e3 : 1e6) : Number(cleaned);
	if (!Number.isFinite(value) || !Number.isInteger(value)) {
		throw new RangeError(`not a whole number: ${text}`);
	}

	return value;
}

const USAGE = `Usage: node dist/bench/generate.js --objects N --seed S --out FILE [--gzip] [--gzip-level 1-9]

Writes a deterministic synthetic meliae dump of exactly N objects (N accepts 5000000, 5e6, 5M).
Prints one JSON line with bytes, objects, refs, type counts and throughput.`;

async function main(argv: string[]): Promise<number> {
	const {values} = parseArgs({
		args: argv,
		options: {
			objects: {type: 'string'},
			seed: {type: 'string', default: '1'},
			out: {type: 'string'},
			gzip: {type: 'boolean', default: false},
			'gzip-level': {type: 'string'},
			help: {type: 'boolean', default: false},
		},
		strict: true,
	});
	if (values.help || values.objects === undefined || values.out === undefined) {
		process.stderr.write(USAGE + '\n');
		return values.help ? 0 : 2;
	}

	const result = await generateDump({
		objects: parseCount(values.objects),
		seed: parseCount(values.seed),
		out: values.out,
		gzip: values.gzip,
		gzipLevel: values['gzip-level'] === undefined ? undefined : Number(values['gzip-level']),
	});
	const mbPerSecond = result.bytes / 1e6 / (result.ms / 1000);
	process.stdout.write(JSON.stringify({...result, mbPerSecond: Math.round(mbPerSecond * 10) / 10}) + '\n');
	return 0;
}

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
	const script = process.argv[1];
	if (script === undefined) {
		return false;
	}

	try {
		return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
	} catch {
		return false;
	}
}

/** Runs `main` with the command line's arguments when this module is the script node was started with. */
export function runIfMain(moduleUrl: string, name: string, main: (argv: string[]) => Promise<number>, failureCode = 1): void {
	if (!isMainModule(moduleUrl)) {
		return;
	}

	main(process.argv.slice(2)).then(
		code => {
			process.exitCode = code;
		},
		(error: unknown) => {
			process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
			process.exitCode = failureCode;
		},
	);
}

runIfMain(import.meta.url, 'generate', main, 2);

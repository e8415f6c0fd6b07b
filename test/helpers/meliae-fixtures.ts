/**
 * The dumps from meliae's own test suite (meliae/tests/test_loader.py):
 * the lines and the expected values are facts about meliae's behaviour.
 */

// a@5 = 1, b@4 = 2, c@6 = 'a str', t@7 = (a, b), d@2 = {a:b, c:t},
// l@3 = [a, b] + itself, outer@1 = (d, l), module 8 holding d.
export const exampleDump = [
	'{"address": 1, "type": "tuple", "size": 20, "len": 2, "refs": [2, 3]}',
	'{"address": 3, "type": "list", "size": 44, "len": 3, "refs": [3, 4, 5]}',
	'{"address": 5, "type": "int", "size": 12, "value": 1, "refs": []}',
	'{"address": 4, "type": "int", "size": 12, "value": 2, "refs": []}',
	'{"address": 2, "type": "dict", "size": 124, "len": 2, "refs": [4, 5, 6, 7]}',
	'{"address": 7, "type": "tuple", "size": 20, "len": 2, "refs": [4, 5]}',
	'{"address": 6, "type": "str", "size": 29, "len": 5, "value": "a str", "refs": []}',
	'{"address": 8, "type": "module", "size": 60, "name": "mymod", "refs": [2]}',
];

export const instanceDump = [
	'{"address": 1, "type": "MyClass", "size": 32, "refs": [2, 3]}',
	'{"address": 3, "type": "type", "size": 452, "name": "MyClass", "refs": []}',
	'{"address": 2, "type": "dict", "size": 140, "len": 4, "refs": [4, 5, 6, 7, 9, 10, 11, 12]}',
	'{"address": 4, "type": "str", "size": 25, "len": 1, "value": "a", "refs": []}',
	'{"address": 5, "type": "int", "size": 12, "value": 1, "refs": []}',
	'{"address": 6, "type": "str", "size": 25, "len": 1, "value": "c", "refs": []}',
	'{"address": 7, "type": "dict", "size": 140, "len": 1, "refs": [8, 6]}',
	'{"address": 8, "type": "str", "size": 25, "len": 1, "value": "s", "refs": []}',
	'{"address": 9, "type": "str", "size": 25, "len": 1, "value": "b", "refs": []}',
	'{"address": 10, "type": "str", "size": 30, "len": 6, "value": "string", "refs": []}',
	'{"address": 11, "type": "str", "size": 25, "len": 1, "value": "d", "refs": []}',
	'{"address": 12, "type": "tuple", "size": 32, "len": 1, "refs": [13]}',
	'{"address": 13, "type": "int", "size": 12, "value": 2, "refs": []}',
	'{"address": 14, "type": "module", "size": 28, "name": "sys", "refs": [15]}',
	'{"address": 15, "type": "dict", "size": 140, "len": 2, "refs": [5, 6, 9, 6]}',
];

export const oldInstanceDump = [
	'{"address": 1, "type": "instance", "size": 36, "refs": [2, 3]}',
	'{"address": 3, "type": "dict", "size": 140, "len": 2, "refs": [4, 5, 6, 7]}',
	'{"address": 7, "type": "int", "size": 12, "value": 2, "refs": []}',
	'{"address": 6, "type": "str", "size": 25, "len": 1, "value": "b", "refs": []}',
	'{"address": 5, "type": "int", "size": 12, "value": 1, "refs": []}',
	'{"address": 4, "type": "str", "size": 25, "len": 1, "value": "a", "refs": []}',
	'{"address": 2, "type": "classobj", "size": 48, "name": "OldStyle", "refs": [8, 43839680, 9]}',
	'{"address": 9, "type": "str", "size": 32, "len": 8, "value": "OldStyle", "refs": []}',
	'{"address": 8, "type": "tuple", "size": 28, "len": 0, "refs": []}',
];

export const internDictDump = [
	'{"address": 2, "type": "str", "size": 25, "len": 1, "value": "a", "refs": []}',
	'{"address": 3, "type": "str", "size": 25, "len": 1, "value": "b", "refs": []}',
	'{"address": 4, "type": "str", "size": 25, "len": 1, "value": "c", "refs": []}',
	'{"address": 5, "type": "str", "size": 25, "len": 1, "value": "d", "refs": []}',
	'{"address": 6, "type": "dict", "size": 512, "refs": [2, 5, 5, 5, 4, 4, 3, 3]}',
	'{"address": 7, "type": "dict", "size": 512, "refs": [6, 6, 5, 5, 4, 4, 3, 3]}',
	'{"address": 8, "type": "dict", "size": 512, "refs": [2, 2, 5, 5, 4, 4, 3, 3]}',
];

/** The module from remove_expensive_references' test, replacing address 8. */
export function expensiveDump(): string[] {
	return [
		...exampleDump.slice(0, -1),
		'{"address": 8, "type": "module", "size": 12, "name": "mymod", "refs": [9]}',
		'{"address": 9, "type": "dict", "size": 124, "refs": [10, 11]}',
		'{"address": 10, "type": "module", "size": 12, "name": "mod2", "refs": [12]}',
		'{"address": 11, "type": "str", "size": 27, "value": "boo", "refs": []}',
		'{"address": 12, "type": "dict", "size": 124, "refs": []}',
	];
}

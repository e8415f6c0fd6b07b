/** The README's set-up commands, as the README gives them. */

import {readFileSync} from 'node:fs';

export const readme = readFileSync(new URL('../../readme.md', import.meta.url), 'utf8');

/** The shell blocks of the README's set-up section, in order. */
export function setupCommands(text = readme): string[] {
	const start = text.indexOf('## Set-up on a fresh machine');
	const end = text.indexOf('\n## ', start + 1);
	return [...text.slice(start, end).matchAll(/```sh\n([\s\S]*?)\n```/g)].map(match => match[1]!.trim());
}

import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

/** Every TypeScript source file under `directory`, recursively. */
export function sourceFiles(directory: string): string[] {
	return readdirSync(directory).flatMap(name => {
		const path = join(directory, name);
		if (statSync(path).isDirectory()) {
			return sourceFiles(path);
		}

		return /\.tsx?$/.test(name) ? [path] : [];
	});
}

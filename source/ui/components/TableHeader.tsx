import {Text} from 'ink';
import type {TableHeader as Header} from '../table.js';

/** A table's column titles; the sorted column is bracketed in the text and underlined. */
export function TableHeader({header, marker}: {readonly header: Header; readonly marker: string}) {
	const {text, sorted} = header;
	if (sorted === undefined) {
		return <Text wrap="truncate" bold>{marker + text}</Text>;
	}

	return (
		<Text wrap="truncate" bold>
			{marker + text.slice(0, sorted[0])}
			<Text underline>{text.slice(sorted[0], sorted[1])}</Text>
			{text.slice(sorted[1])}
		</Text>
	);
}

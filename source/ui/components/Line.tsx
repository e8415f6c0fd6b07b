import {Text} from 'ink';

export type LineProps = {
	/** Already terminal-safe and cut to width. */
	readonly text: string;
	readonly inverse?: boolean;
	readonly bold?: boolean;
	readonly dim?: boolean;
	readonly underline?: boolean;
	readonly color?: string;
};

/** One line of the frame. `wrap="truncate"` is the last guard: a line never wraps. */
export function Line({text, inverse, bold, dim, underline, color}: LineProps) {
	return (
		<Text wrap="truncate" inverse={inverse} bold={bold} dimColor={dim} underline={underline} color={color}>
			{text === '' ? ' ' : text}
		</Text>
	);
}

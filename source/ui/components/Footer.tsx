import {Line} from './Line.js';

/** The most used keys of the current screen, generated from the keymap. */
export function Footer({text}: {readonly text: string}) {
	return <Line inverse text={text}/>;
}

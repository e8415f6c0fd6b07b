import type {Chrome} from '../state/selectors.js';
import {useTheme} from '../theme.js';
import {Line} from './Line.js';

/** Messages and the list position; the prompt while one is open. Errors say so in words. */
export function StatusLine({status}: {readonly status: Chrome['status']}) {
	const {color} = useTheme();
	if (status.prompt) {
		return <Line bold text={status.text + '_'}/>;
	}

	if (status.tone === 'error') {
		return <Line bold color={color ? 'red' : undefined} text={status.text}/>;
	}

	return <Line text={status.text}/>;
}

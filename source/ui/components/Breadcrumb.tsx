import {Line} from './Line.js';

/** Where the user is: file > Summary > type > object > ..., cut from the left. */
export function Breadcrumb({text}: {readonly text: string}) {
	return <Line bold text={text}/>;
}

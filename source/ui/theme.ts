/**
 * Whether styles may use colour. Nothing is ever said by colour alone: the
 * selected row has a `>` marker, the sort column is written `[Size]`,
 * errors say so in words. With NO_COLOR (or a terminal without colour)
 * only attributes (inverse, bold, underline) remain.
 */

import {createContext, useContext} from 'react';
import {environmentTakesUtf8} from '../core/format/sparkline.js';

export type Theme = {
	readonly color: boolean;
	/** Block characters (sparklines) only where the terminal takes UTF-8. */
	readonly utf8: boolean;
};

export const ThemeContext = createContext<Theme>({color: true, utf8: true});

export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/** Colour unless NO_COLOR is set (any value, per no-color.org) or TERM is "dumb". */
export function themeFromEnv(env: NodeJS.ProcessEnv): Theme {
	const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
	return {color: !noColor && env['TERM'] !== 'dumb', utf8: environmentTakesUtf8(env)};
}

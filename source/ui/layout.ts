/**
 * Where everything goes for a terminal size. Pure: the same size always
 * gives the same layout, so the reducer (for scrolling) and the views (for
 * drawing) agree, and tests can ask for any size.
 *
 * Every frame is exactly `height` lines of at most `width` columns:
 * `height` is one less than the terminal's rows because Ink clears the
 * whole screen on every frame as soon as its output reaches the terminal's
 * height, and `width` leaves the last column empty so a character the
 * terminal draws wider than expected never wraps a line.
 */

export type TerminalSize = {readonly columns: number; readonly rows: number};

export type Layout = {
	readonly columns: number;
	readonly rows: number;
	/** Columns each line may use. */
	readonly width: number;
	/** Lines in every frame. */
	readonly height: number;
	/** Below the minimum size: only a message is drawn. */
	readonly tooSmall: boolean;
	/** Rows of the summary table's body. */
	readonly summaryRows: number;
	/** Rows of an object list (also the path and trend views). */
	readonly listRows: number;
	/** Help lines shown at once. */
	readonly helpRows: number;
	/** Object view: lines of the header (1 = the repr only, 3 = repr and details). */
	readonly objectHeaderLines: number;
	/** Object view: most entries of the contents preview (0 = no preview). */
	readonly objectPreviewEntries: number;
	/** Dominator tree: rows of the tree, and rows of the retained set by type below it (0 = none). */
	readonly treeRows: number;
	readonly treeTypeRows: number;
};

export const MIN_COLUMNS = 30;
export const MIN_ROWS = 8;

/** Lines around every screen's content: breadcrumb, status, footer. */
const CHROME = 3;

export const DEFAULT_SIZE: TerminalSize = {columns: 80, rows: 24};

export function computeLayout(columns: number, rows: number): Layout {
	const safeColumns = Number.isFinite(columns) && columns > 0 ? Math.floor(columns) : DEFAULT_SIZE.columns;
	const safeRows = Number.isFinite(rows) && rows > 0 ? Math.floor(rows) : DEFAULT_SIZE.rows;
	const width = Math.max(1, safeColumns - 1);
	const height = Math.max(1, safeRows - 1);
	const tooSmall = safeColumns < MIN_COLUMNS || safeRows < MIN_ROWS;
	const body = Math.max(1, height - CHROME);
	let objectHeaderLines = 1;
	let objectPreviewEntries = 0;
	if (height >= 16) {
		objectHeaderLines = 3;
		// What is left for the preview and the reference list: keep the list
		// at least as tall as the preview.
		objectPreviewEntries = Math.min(8, Math.max(0, Math.floor((body - objectHeaderLines - 1) / 3) - 1));
	}

	// The tree gets a context line and a header; the retained set by type a title line.
	const treeTypeRows = body >= 16 ? 5 : (body >= 10 ? 2 : 0);
	const treeRows = Math.max(1, body - 2 - (treeTypeRows > 0 ? treeTypeRows + 1 : 0));

	return {
		columns: safeColumns,
		rows: safeRows,
		width,
		height,
		tooSmall,
		// Title and column header.
		summaryRows: Math.max(1, body - 2),
		// Context line.
		listRows: Math.max(1, body - 1),
		helpRows: Math.max(1, body - 1),
		objectHeaderLines,
		objectPreviewEntries,
		treeRows,
		treeTypeRows,
	};
}

/**
 * Rows of the object view's reference list, once the object's preview is
 * known (`previewEntries` entries shown, plus a title line when any).
 */
export function objectListRows(layout: Layout, previewEntries: number): number {
	const preview = previewEntries > 0 ? previewEntries + 1 : 0;
	// Header lines, preview, tab line.
	return Math.max(1, layout.height - CHROME - layout.objectHeaderLines - preview - 1);
}

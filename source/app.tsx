/**
 * The Ink root of the explorer: one reducer holds the UI state, `useInput`
 * maps keys to commands through the keymap and dispatches, and the screen
 * on top of the stack is drawn from selectors. Every frame is exactly
 * `layout.height` lines, so Ink can update it line by line.
 */

import {Box, useApp, useInput, useStdout} from 'ink';
import {useEffect, useMemo, useSyncExternalStore} from 'react';
import type {GraphStore} from './core/graph/store.js';
import {Breadcrumb} from './ui/components/Breadcrumb.js';
import {DominatorsPane} from './ui/components/DominatorsPane.js';
import {Footer} from './ui/components/Footer.js';
import {ListPane} from './ui/components/ListPane.js';
import {ObjectListPane} from './ui/components/ObjectListPane.js';
import {ObjectPane} from './ui/components/ObjectPane.js';
import {StatusLine} from './ui/components/StatusLine.js';
import {SummaryPane} from './ui/components/SummaryPane.js';
import {TooSmall} from './ui/components/TooSmall.js';
import {useBackground} from './ui/hooks/use-background.js';
import {useTerminalSize} from './ui/hooks/use-terminal-size.js';
import {keyLabel, keyName, matchKey, promptText, splitKeys} from './ui/keymap.js';
import {computeLayout, type TerminalSize} from './ui/layout.js';
import {screenList, topScreen} from './ui/state/lists.js';
import type {Analyses} from './ui/state/analyses.js';
import {type DumpSource, ExplorerModel, type OlderDump} from './ui/state/model.js';
import {initialState, reducerFor, searchMatcher, treeSelection} from './ui/state/reducer.js';
import {scopeOf, selectFrame} from './ui/state/selectors.js';
import type {Status} from './ui/state/types.js';
import {UiStore} from './ui/state/ui-store.js';
import {osc52} from './ui/terminal.js';
import {type Theme, ThemeContext} from './ui/theme.js';

export type AppProps = {
	/** One dump: its store (and file name for the header)... */
	readonly store?: GraphStore;
	readonly file?: string;
	/** ...or several, oldest first (the newest is explored, the others compared)... */
	readonly dumps?: ReadonlyArray<DumpSource | OlderDump>;
	/** ...or a model built by the caller (benchmarks watch its background work). */
	readonly model?: ExplorerModel;
	/** Fixed terminal size (tests); by default the terminal's, following resizes. */
	readonly size?: TerminalSize;
	readonly theme?: Theme;
	/** Retained sizes, paths, edge names: the core's by default. */
	readonly analyses?: Analyses;
	/** A message for the status line at start (load warnings). */
	readonly initialStatus?: Status;
	/** Where escape sequences that are not part of a frame go (OSC 52); default: Ink's stdout. */
	readonly writeTerminal?: (data: string) => void;
	readonly onQuit?: () => void;
	/** Ctrl-Z: stop the process with the terminal restored; call `resumed` once continued. */
	readonly onSuspend?: (resumed: () => void) => void;
};

export function App(props: AppProps) {
	const {size: fixedSize, theme = {color: true, utf8: true}} = props;
	// No overflow clipping on the root: Ink would re-slice every line of
	// every frame, and the selectors already cut each line to the width.
	const model = useMemo(() => {
		if (props.model !== undefined) {
			return props.model;
		}

		const dumps = props.dumps ?? (props.store === undefined ? [] : [{file: props.file ?? 'dump', store: props.store}]);
		return new ExplorerModel(dumps, props.analyses);
		// The model is made once; a new store means a new App.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, []);
	const size = useTerminalSize(fixedSize);
	const ui = useMemo(() => new UiStore(reducerFor(model), initialState(size, props.initialStatus)), [model]);
	const state = useSyncExternalStore(ui.subscribe, ui.getState);
	const {dispatch} = ui;
	const {exit} = useApp();
	const pump = useBackground(model);

	useEffect(() => {
		dispatch({type: 'resize', size});
	}, [dispatch, size.columns, size.rows]);

	useInput((input, key) => {
		for (const event of splitKeys(input, key)) {
			// Each key is matched on the screen the previous key left.
			const scope = scopeOf(ui.getState());
			const command = matchKey(scope, event.input, event.key);
			if (command === 'suspend') {
				if (props.onSuspend === undefined) {
					dispatch({type: 'status', status: {text: 'cannot suspend here', tone: 'error'}});
				} else {
					props.onSuspend(() => {
						dispatch({type: 'status', status: {text: 'resumed', tone: 'info'}});
					});
				}
			} else if (command !== undefined) {
				dispatch({type: 'command', command});
			} else if (scope === 'prompt') {
				const text = promptText(event.input, event.key);
				if (text !== undefined) {
					dispatch({type: 'text', text});
				}
			} else {
				// Say so, rather than ignore the key silently.
				const name = keyName(event.input, event.key);
				if (name !== undefined) {
					dispatch({type: 'status', status: {text: `${keyLabel(name)} does nothing here (? lists the keys)`, tone: 'error'}});
				}
			}
		}
	});

	// Background work the shown screen wants: its reachable size, the
	// comparison with the previous dump, retained sizes.
	const screen = topScreen(state);
	const objectOrdinal = screen.kind === 'object' ? screen.ordinal : -1;
	// The selected node of a dominator tree: its retained set by type is walked in the background.
	const treeNode = screen.kind === 'dominators' ? treeSelection(model, screen) : undefined;
	const retainedSetNode = treeNode === undefined || treeNode.more ? -1 : treeNode.node;
	const wantsLeaks = screen.kind === 'leaks';
	const wantsWaste = screen.kind === 'waste';
	useEffect(() => {
		const done = (): void => {
			dispatch({type: 'computed'});
		};

		if (objectOrdinal >= 0) {
			model.requestReachable(objectOrdinal, done);
		}

		model.requestNewObjects(done);
		model.requestRetained(done, done);
		if (retainedSetNode !== -1) {
			model.requestRetainedSet(retainedSetNode, done);
		}

		if (wantsLeaks) {
			model.requestLeaks(done);
		}

		if (wantsWaste) {
			model.requestWaste(done, done);
		}

		pump();
	}, [model, dispatch, objectOrdinal, retainedSetNode, wantsLeaks, wantsWaste, state.version, pump]);

	// A search too long for one key press runs in the background.
	const pendingSearch = state.search;
	useEffect(() => {
		if (pendingSearch === undefined) {
			model.cancelSearch();
			return;
		}

		const current = ui.getState();
		const {entries} = screenList(model, current, topScreen(current));
		const {id} = pendingSearch;
		model.startSearch(
			entries ?? new Uint32Array(0),
			pendingSearch.from,
			pendingSearch.direction,
			searchMatcher(model, current, pendingSearch.needle),
			fraction => {
				dispatch({type: 'searchProgress', id, fraction});
			},
			result => {
				dispatch({type: 'searchDone', id, result});
			},
		);
		pump();
	}, [model, ui, dispatch, pump, pendingSearch?.id]);

	// A path from a root: computed after the "finding…" frame is on screen.
	const pathRequest = state.pathRequest;
	useEffect(() => {
		if (pathRequest === undefined) {
			return;
		}

		const timer = setTimeout(() => {
			model.pathTo(pathRequest.ordinal);
			dispatch({type: 'pathDone', id: pathRequest.id});
		}, 40);
		return () => {
			clearTimeout(timer);
		};
	}, [model, dispatch, pathRequest?.id]);

	const {stdout} = useStdout();
	const writeTerminal = useMemo(
		() => props.writeTerminal ?? ((data: string): void => {
			stdout.write(data);
		}),
		[props.writeTerminal, stdout],
	);
	const clipboard = state.clipboard;
	useEffect(() => {
		if (clipboard !== undefined) {
			writeTerminal(osc52(clipboard.text));
		}
	}, [clipboard?.serial, writeTerminal]);

	useEffect(() => {
		if (state.quit) {
			props.onQuit?.();
			exit();
		}
	}, [state.quit]);

	const layout = computeLayout(state.size.columns, state.size.rows);
	if (layout.tooSmall) {
		return (
			<Box flexDirection="column" width={layout.width} height={layout.height}>
				<TooSmall layout={layout}/>
			</Box>
		);
	}

	const frame = selectFrame(model, state, {utf8: theme.utf8});
	const contentHeight = layout.height - 3;
	const view = frame.screen;
	return (
		<ThemeContext.Provider value={theme}>
			<Box flexDirection="column" width={layout.width} height={layout.height}>
				<Breadcrumb text={frame.chrome.breadcrumb}/>
				{view.kind === 'summary' && <SummaryPane view={view} height={contentHeight}/>}
				{view.kind === 'objects' && <ObjectListPane view={view} height={contentHeight}/>}
				{view.kind === 'object' && <ObjectPane view={view} height={contentHeight}/>}
				{view.kind === 'dominators' && <DominatorsPane view={view} height={contentHeight} typeRows={layout.treeTypeRows}/>}
				{(view.kind === 'path' || view.kind === 'trend' || view.kind === 'help' || view.kind === 'leaks' || view.kind === 'group' || view.kind === 'value' || view.kind === 'waste') && <ListPane view={view} height={contentHeight}/>}
				<StatusLine status={frame.chrome.status}/>
				<Footer text={frame.chrome.footer}/>
			</Box>
		</ThemeContext.Provider>
	);
}

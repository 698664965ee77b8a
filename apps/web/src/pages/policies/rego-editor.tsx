import { EditorState, RangeSetBuilder, StateEffect, StateField } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import { regoLanguage } from './rego-language';
import type { PolicyProblem } from './policy-types';

/*
 * The Rego editor: CodeMirror 6 with the Rego highlighter, and the problems of the last
 * validation shown in place (the line tinted, the token from row:col underlined, the message as
 * the line's tooltip).
 */

const setProblems = StateEffect.define<PolicyProblem[]>();

function decorate(state: EditorState, problems: PolicyProblem[]): DecorationSet {
  const byLine = new Map<number, PolicyProblem[]>();
  for (const p of problems) {
    if (!p.row || p.row < 1 || p.row > state.doc.lines) continue;
    byLine.set(p.row, [...(byLine.get(p.row) ?? []), p]);
  }
  const builder = new RangeSetBuilder<Decoration>();
  for (const row of [...byLine.keys()].sort((a, b) => a - b)) {
    const line = state.doc.line(row);
    const list = byLine.get(row) ?? [];
    const title = list.map((p) => `${p.code}: ${p.message}`).join('\n');
    builder.add(
      line.from,
      line.from,
      Decoration.line({
        class: 'cm-rego-error-line',
        attributes: { title, 'data-row': String(row) },
      }),
    );
    const col = Math.max(1, list[0].col ?? 1);
    const from = Math.min(line.to, line.from + col - 1);
    // Underline the token at the column (to the next space), or the rest of the line.
    const rest = line.text.slice(from - line.from);
    const len = Math.max(1, rest.search(/\s|$/));
    const to = Math.min(line.to, from + len);
    if (to > from) builder.add(from, to, Decoration.mark({ class: 'cm-rego-error-mark' }));
  }
  return builder.finish();
}

const problemsField = StateField.define<{ problems: PolicyProblem[]; decorations: DecorationSet }>({
  create: () => ({ problems: [], decorations: Decoration.none }),
  update(value, tr) {
    for (const e of tr.effects) {
      if (e.is(setProblems)) return { problems: e.value, decorations: decorate(tr.state, e.value) };
    }
    // Edits move the markers with the text; a new validation replaces them.
    return tr.docChanged ? { ...value, decorations: value.decorations.map(tr.changes) } : value;
  },
  provide: (f) => EditorView.decorations.from(f, (v) => v.decorations),
});

const theme = EditorView.theme({
  // Bounded: a long policy scrolls inside the editor, so the page stays a page tall and the
  // toolbar, errors and versions stay near.
  '&': {
    fontSize: '13px',
    border: '1px solid var(--border, #ddd)',
    borderRadius: '6px',
    height: 'min(60vh, 560px)',
  },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace',
    overflow: 'auto',
  },
  '.cm-rego-error-line': { backgroundColor: 'rgba(220, 38, 38, 0.10)' },
  '.cm-rego-error-mark': { textDecoration: 'underline wavy #dc2626', textUnderlineOffset: '3px' },
});

export function RegoEditor(props: {
  value: string;
  onChange: (source: string) => void;
  problems: PolicyProblem[];
  /** Only problems in this file are marked (others are listed below the editor). */
  file: string;
  label?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          regoLanguage,
          problemsField,
          theme,
          EditorState.tabSize.of(4),
          EditorView.contentAttributes.of({ 'aria-label': props.label ?? 'Rego source' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The editor is created once; later value changes come through the effect below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v || v.state.doc.toString() === props.value) return;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const mine = props.problems.filter((p) => !p.file || p.file === props.file);
    const first = mine.find((p) => p.row && p.row >= 1 && p.row <= v.state.doc.lines);
    const effects: StateEffect<unknown>[] = [setProblems.of(mine)];
    // Bring the first error into view: it is often far from where the admin is looking.
    if (first?.row) {
      effects.push(EditorView.scrollIntoView(v.state.doc.line(first.row).from, { y: 'center' }));
    }
    v.dispatch({ effects });
  }, [props.problems, props.file]);

  return <div ref={host} className="rego-editor" data-testid="rego-editor" />;
}

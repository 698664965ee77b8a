/** A unified diff with added lines green, removed lines red, hunk headers blue. */
export function DiffView(props: { diff: string; empty?: string }) {
  if (!props.diff.trim()) return <p className="muted">{props.empty ?? 'No changes.'}</p>;
  const lines = props.diff.split('\n').filter((l) => !/^={3,}$/.test(l) && !l.startsWith('Index:'));
  return (
    <pre className="policy-diff" data-testid="policy-diff">
      {lines.map((line, i) => {
        const kind =
          line.startsWith('+++') || line.startsWith('---')
            ? 'file'
            : line.startsWith('@@')
              ? 'hunk'
              : line.startsWith('+')
                ? 'add'
                : line.startsWith('-')
                  ? 'del'
                  : 'ctx';
        return (
          <div key={i} className={`diff-line diff-${kind}`} style={DIFF_STYLE[kind]}>
            {line || ' '}
          </div>
        );
      })}
    </pre>
  );
}

const DIFF_STYLE: Record<string, React.CSSProperties> = {
  add: { background: 'rgba(22, 163, 74, 0.14)', color: '#166534' },
  del: { background: 'rgba(220, 38, 38, 0.12)', color: '#991b1b' },
  hunk: { color: '#1d4ed8' },
  file: { fontWeight: 600 },
  ctx: {},
};

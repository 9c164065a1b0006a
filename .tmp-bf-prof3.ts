import { UndirectedGraph } from 'graphology';
const N = 20000, M = 100000;
for (const mode of ['addEdge', 'addEdgeWithKey', 'addEdge-noattr']) {
  const g = new UndirectedGraph();
  for (let i = 0; i < N; i++) g.addNode('n' + i, {});
  const t = performance.now();
  let seed = 1;
  const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % N);
  for (let e = 0; g.size < M; e++) {
    const a = 'n' + r(), b = 'n' + r();
    if (a === b || g.hasEdge(a, b)) continue;
    if (mode === 'addEdge') g.addEdge(a, b, { w: 1 });
    else if (mode === 'addEdgeWithKey') g.addEdgeWithKey(a + '|' + b, a, b, { w: 1 });
    else g.addEdge(a, b);
  }
  console.log(mode, (performance.now() - t).toFixed(0), 'ms');
}

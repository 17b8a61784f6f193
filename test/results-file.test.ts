// bench/RESULTS.md keeps one block per script: writing one block leaves the other as it was.
import { describe, expect, it } from 'vitest';
import { demoteHeadings, withBlock } from '../bench/results-file.js';

describe('the results file', () => {
  it('demotes headings outside code fences only', () => {
    expect(demoteHeadings('# A\ntext #1\n```\n# not a heading\n```\n## B')).toBe('## A\ntext #1\n```\n# not a heading\n```\n### B');
  });

  it('replaces a block and keeps the other, in a fixed order', () => {
    const one = withBlock('', 'chaos', '# chaos run\nPASS 9/9');
    expect(one).toContain('## chaos run\nPASS 9/9');
    expect(one).not.toContain('bench:begin');
    const two = withBlock(one, 'bench', '# benchmark\n1,476 polls/s');
    expect(two.indexOf('<!-- bench:begin -->')).toBeLessThan(two.indexOf('<!-- chaos:begin -->'));
    expect(two).toContain('PASS 9/9');
    const three = withBlock(two, 'chaos', '# chaos run\nFAIL 8/9');
    expect(three).toContain('1,476 polls/s');
    expect(three).toContain('FAIL 8/9');
    expect(three).not.toContain('PASS 9/9');
    expect(withBlock(three, 'chaos', '# chaos run\nFAIL 8/9')).toBe(three);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excerpt } from './excerpt.ts';

test('excerpt: colour codes removed and whitespace collapsed, capped with an ellipsis', () => {
  assert.equal(excerpt('\u001b[31mFAIL\u001b[0m  src/a.test.ts\n\n  ● adds', 300), 'FAIL src/a.test.ts ● adds');
  assert.equal(excerpt('x'.repeat(400)), `${'x'.repeat(299)}…`);
  assert.equal(excerpt('   short   '), 'short');
});

test('excerpt of a long text: the same whether a colour code or a whitespace run straddles where its head is cut', () => {
  // With max 10 the first 20 characters are flattened first; here they end inside "\u001b[1234m".
  const cut = `abc${' '.repeat(9)}de\u001b[1234mfghijklmnop`;
  assert.equal(cut.indexOf('m'), 20);
  assert.equal(excerpt(cut, 10), 'abc defgh…');
  // A whitespace run across the cut is still one space.
  assert.equal(excerpt(`abcdefg${' '.repeat(20)}hijklmnop`, 10), 'abcdefg h…');
  // Colour codes everywhere: the head alone flattens to too little, and the whole head is read.
  const coloured = Array.from({ length: 30 }, (_, i) => `\u001b[3${i % 8}m${i}`).join('');
  assert.equal(excerpt(coloured, 10), '012345678…');
});

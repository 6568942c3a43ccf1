/**
 * jsdom has no layout: every size is 0, so virtualised lists (the Combobox menu) render no option. This gives every
 * element a fixed size for one test; call the returned function to undo it.
 */
export function fakeLayout(size = 400): () => void {
  const props = ['clientWidth', 'clientHeight', 'offsetWidth', 'offsetHeight'] as const;
  const originals = props.map((p) => [p, Object.getOwnPropertyDescriptor(HTMLElement.prototype, p)] as const);
  for (const p of props) {
    Object.defineProperty(HTMLElement.prototype, p, { configurable: true, get: () => size });
  }
  const rect = jest.spyOn(Element.prototype, 'getBoundingClientRect').mockReturnValue({
    width: size,
    height: size,
    top: 0,
    left: 0,
    bottom: size,
    right: size,
    x: 0,
    y: 0,
    toJSON: () => ({}),
  });
  return () => {
    rect.mockRestore();
    for (const [p, descriptor] of originals) {
      if (descriptor) {
        Object.defineProperty(HTMLElement.prototype, p, descriptor);
      }
    }
  };
}

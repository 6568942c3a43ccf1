// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no layout engine. @grafana/ui's Combobox and Drawer observe sizes and visibility and measure text; give them the
// inert browser APIs they expect (measurements are 0, observers never fire).
class InertObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
for (const name of ['ResizeObserver', 'IntersectionObserver']) {
  if (typeof global[name] === 'undefined') {
    global[name] = InertObserver;
  }
}

// The scaffold's setup stubs getContext() to return nothing; text measuring needs a 2D context.
HTMLCanvasElement.prototype.getContext = function getContext() {
  return { measureText: (text) => ({ width: String(text).length }), font: '' };
};

// findBy*/waitFor default to 1 s; rendering a drawer with a combobox can take longer than that on a loaded 2-core
// CI machine. A longer ceiling only slows down tests that are failing anyway.
import { configure } from '@testing-library/react';
configure({ asyncUtilTimeout: 5000 });

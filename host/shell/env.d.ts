// Types for what build.ts aliases; the real files are the packages' own.
declare module 'd3';

declare module 'react-router-dom' {
  // Only what the host uses of react-router-dom v5 (@grafana/ui's copy, no bundled types).
  export const Router: import('react').ComponentType<{
    history: import('history').History;
    children?: import('react').ReactNode;
  }>;
}

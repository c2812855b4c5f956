import { render } from 'preact';
import { App } from './app';
import { preloadMap } from './components/Map';
import './styles.css';

render(<App />, document.getElementById('app')!);

// The service worker makes the neighbour app installable and opens it offline; it never
// touches /api (alerts made offline wait in the IndexedDB outbox instead).
if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => undefined);
    if (navigator.onLine) preloadMap();
  });
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles.css';
import './dashboard.css';
import { shareToken } from './api';
import { DashboardApp } from './DashboardApp';

/** `/dashboards/<page>[#share=<token>]`, or `/dashboards/` for the list of pages. */
const m = /^\/dashboards\/([^/]+)\/?$/.exec(window.location.pathname);
const root = document.getElementById('root');
if (!root) throw new Error('dashboard.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <DashboardApp page={m ? decodeURIComponent(m[1]!) : null} token={shareToken(window.location.hash)} />
  </StrictMode>,
);

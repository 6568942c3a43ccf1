import React, { Suspense, lazy } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { prefixRoute, ROUTES } from '../../constants';
import { AppErrorBoundary } from '../AppErrorBoundary/AppErrorBoundary';

const IncidentsPage = lazy(() => import('../../pages/Incidents/IncidentsPage'));
const ServicesPage = lazy(() => import('../../pages/Services/ServicesPage'));
const SlosPage = lazy(() => import('../../pages/Slos/SlosPage'));
const AlertsPage = lazy(() => import('../../pages/Alerts/AlertsPage'));
const NotificationsPage = lazy(() => import('../../pages/Notifications/NotificationsPage'));
const OnCallPage = lazy(() => import('../../pages/OnCall/OnCallPage'));
const EscalationPoliciesPage = lazy(() => import('../../pages/EscalationPolicies/EscalationPoliciesPage'));
const WarRoomPage = lazy(() => import('../../pages/WarRoom/WarRoomPage'));
const ReviewPage = lazy(() => import('../../pages/Review/ReviewPage'));

// Grafana mounts this under /a/<plugin id>/*, so route paths are relative to the app's base URL.
function App(_props: AppRootProps) {
  const location = useLocation();
  return (
    <AppErrorBoundary resetKey={location.pathname}>
      <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
        <Routes>
          <Route path={ROUTES.Incidents} element={<IncidentsPage />} />
          <Route path={ROUTES.Services} element={<ServicesPage />} />
          <Route path={ROUTES.Slos} element={<SlosPage />} />
          <Route path={ROUTES.Alerts} element={<AlertsPage />} />
          <Route path={ROUTES.Notifications} element={<NotificationsPage />} />
          <Route path={ROUTES.OnCall} element={<OnCallPage />} />
          <Route path={ROUTES.EscalationPolicies} element={<EscalationPoliciesPage />} />
          <Route path={ROUTES.WarRoom} element={<WarRoomPage />} />
          <Route path={ROUTES.Review} element={<ReviewPage />} />
          {/* Anything else (the app's root included) lands on the incidents list. Absolute, so it does not depend
              on how the router resolves relative links inside splat routes. */}
          <Route path="*" element={<Navigate to={prefixRoute(ROUTES.Incidents)} replace />} />
        </Routes>
      </Suspense>
    </AppErrorBoundary>
  );
}

export default App;

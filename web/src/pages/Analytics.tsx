// The analytics section of the console (staff): the crime map, trends, adoption, the dark
// figure and response times, one page each under /analytics/..., with their own navigation
// (the top bar hides on phones). Figures come from /api/v1/analytics/* (docs/analytics.md).
import { useEffect } from 'preact/hooks';
import { t, type MessageKey } from '../i18n';
import { linkTo, navigate } from '../session';
import { AdoptionPage } from './AnalyticsAdoption';
import { useAreaScope } from './AnalyticsCommon';
import { DarkFigurePage } from './AnalyticsDarkFigure';
import { CrimeMapPage } from './AnalyticsMap';
import { ResponseTimesPage } from './AnalyticsResponse';
import { TrendsPage } from './AnalyticsTrends';
import './analytics.css';

export const ANALYTICS_PAGES: Array<[string, MessageKey]> = [
  ['/analytics/map', 'an_nav_map'],
  ['/analytics/trends', 'an_nav_trends'],
  ['/analytics/adoption', 'an_nav_adoption'],
  ['/analytics/dark-figure', 'an_nav_dark_figure'],
  ['/analytics/response-times', 'an_nav_response'],
];

export function AnalyticsPage({ path }: { path: string }) {
  const scope = useAreaScope();
  // On a phone the tabs scroll sideways: keep the current one in sight.
  useEffect(() => {
    document.querySelector('.an-nav a[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [path]);
  if (path === '/analytics' || path === '/analytics/') {
    queueMicrotask(() => navigate('/analytics/map'));
    return null;
  }
  const current = ANALYTICS_PAGES.find(([href]) => href === path);
  let body;
  if (!current) body = <p>{t('not_found_page')}</p>;
  else if (!scope) body = <p class="muted">{t('loading')}</p>;
  else if (scope.covered.length === 0) body = <p>{t('forbidden_page')}</p>;
  else if (path === '/analytics/map') body = <CrimeMapPage scope={scope} />;
  else if (path === '/analytics/trends') body = <TrendsPage scope={scope} />;
  else if (path === '/analytics/adoption') body = <AdoptionPage scope={scope} />;
  else if (path === '/analytics/dark-figure') body = <DarkFigurePage scope={scope} />;
  else body = <ResponseTimesPage scope={scope} />;
  return (
    <section class="page page-wide analytics" aria-labelledby="an-title">
      <h1 id="an-title">
        {t('an_title')}
        {current && <span class="visually-hidden">: {t(current[1])}</span>}
      </h1>
      <nav class="an-nav" aria-label={t('an_nav_label')}>
        {ANALYTICS_PAGES.map(([href, key]) => (
          <a key={href} href={href} onClick={linkTo(href)} aria-current={href === path ? 'page' : undefined}>
            {t(key)}
          </a>
        ))}
      </nav>
      {body}
    </section>
  );
}

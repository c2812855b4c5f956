// The monthly report as one self-contained HTML document: inline CSS, inline SVG for the
// charts and maps (area polygons and grid cells projected to metres by the grid's local
// projection; no tiles, no scripts, no network). Spanish first, English with --lang en.
// Numbers are formatted for the language (es: 1.234,5; en: 1,234.5). Key figures carry an
// id so tests and readers can find them.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <tuple>

#include "analytics/kde.h"
#include "app/monthly_report.h"
#include "common/clock.h"
#include "common/text.h"
#include "crime/mapping.h"
#include "geo/geometry.h"

namespace centinela::app {

namespace {

namespace json = boost::json;

struct Text {
  const char* key;
  const char* es;
  const char* en;
};

constexpr Text kTexts[] = {
    {"title", "Informe mensual de seguridad", "Monthly safety report"},
    {"month", "Mes", "Month"},
    {"generated", "Generado", "Generated"},
    {"area", "Área", "Area"},
    {"adoption", "Adopción por área", "Adoption per area"},
    {"adoption_note",
     "Meta: 10 % de la población, redondeado hacia arriba. La fila de cada área con subáreas es "
     "la suma de sus subáreas.",
     "Target: 10% of the population, rounded up. The row of an area with sub-areas is the sum "
     "of its sub-areas."},
    {"population", "Población", "Population"},
    {"registered", "Domicilios registrados", "Registered addresses"},
    {"target", "Meta", "Target"},
    {"missing", "Faltan", "Missing"},
    {"compliance", "Cumplimiento", "Compliance"},
    {"reports_month", "Reportes del mes", "Reports this month"},
    {"counts", "Denuncias y reportes", "Complaints and reports"},
    {"counts_note",
     "Denuncias formales importadas y reportes vecinales (informales) dentro del área.",
     "Imported formal complaints and neighbours' (informal) reports inside the area."},
    {"source", "Fuente", "Source"},
    {"formal", "Denuncias formales", "Formal complaints"},
    {"informal", "Reportes vecinales", "Neighbours' reports"},
    {"total", "Total", "Total"},
    {"this_month", "Este mes", "This month"},
    {"previous_month", "Mes anterior", "Previous month"},
    {"year_before", "Mismo mes del año anterior", "Same month last year"},
    {"change", "Variación", "Change"},
    {"trend", "Tendencia: suma móvil de 28 días", "Trend: 28-day rolling sum"},
    {"trend_note", "Cada punto suma ese día y los 27 anteriores; último año hasta fin de mes.",
     "Each point sums that day and the 27 before it; the year up to the end of the month."},
    {"matrix", "Hora del día × día de la semana", "Time of day × day of week"},
    {"matrix_note", "Incidentes del mes (denuncias y reportes) por hora local",
     "Incidents of the month (complaints and reports) by local hour"},
    {"heatmap", "Mapa de calor (densidad kernel)", "Heatmap (kernel density)"},
    {"heatmap_note", "Kernel cuártico, ancho de banda", "Quartic kernel, bandwidth"},
    {"per_km2", "incidentes por km²", "incidents per km²"},
    {"hotspots", "Puntos calientes y fríos (Gi* de Getis-Ord)",
     "Hot and cold spots (Getis-Ord Gi*)"},
    {"hotspots_note",
     "Celdas de {cell} m; banda de distancia {band} m; corrección FDR (Benjamini-Hochberg); "
     "{n} celdas en el área.",
     "{cell} m cells; distance band {band} m; FDR correction (Benjamini-Hochberg); {n} cells in "
     "the area."},
    {"hot", "Caliente", "Hot"},
    {"cold", "Frío", "Cold"},
    {"confidence", "Confianza", "Confidence"},
    {"no_hotspots", "Sin análisis de puntos calientes este mes", "No hot spot analysis this month"},
    {"top", "Celdas más calientes", "Hottest cells"},
    {"rank", "N.º", "No."},
    {"centre", "Centro (lat, lon)", "Centre (lat, lon)"},
    {"incidents", "Incidentes", "Incidents"},
    {"none", "Ninguna celda significativa.", "No significant cell."},
    {"dark", "Cifra oscura", "Dark figure"},
    {"dark_note",
     "Un reporte vecinal coincide con una denuncia de la misma familia a {d} m y {h} h o menos. "
     "Estimación de captura-recaptura (Chapman). Referencia de encuesta (ENUSC): {ref}; meta: "
     "{tgt}.",
     "A neighbour's report matches a complaint of the same family within {d} m and {h} h. "
     "Capture-recapture estimate (Chapman). Survey reference (ENUSC): {ref}; target: {tgt}."},
    {"family", "Familia", "Family"},
    {"matched", "Coinciden", "Matched"},
    {"unmatched", "Sin denuncia", "Without complaint"},
    {"estimated", "Total estimado", "Estimated total"},
    {"dark_figure", "Cifra oscura", "Dark figure"},
    {"reference", "Referencia", "Reference"},
    {"progress", "Avance a la meta", "Progress to target"},
    {"met", "Meta cumplida", "Target met"},
    {"yes", "sí", "yes"},
    {"no", "no", "no"},
    {"all_families", "Todas", "All"},
    {"no_data", "Sin datos este mes.", "No data this month."},
    {"response", "Tiempos de respuesta", "Response times"},
    {"response_note", "Desde la recepción hasta la llegada al lugar; meta: {t}.",
     "From reception to arrival on scene; target: {t}."},
    {"agency", "Institución", "Agency"},
    {"priority", "Prioridad", "Priority"},
    {"within", "Dentro de la meta", "Within target"},
    {"boundaries", "Límites de las áreas", "Area boundaries"},
};

const std::map<std::string, std::string> kAgencies[2] = {
    {{"police", "Policía"},
     {"fire", "Bomberos"},
     {"medical", "Salud"},
     {"civil_protection", "Protección civil"},
     {"municipal", "Municipalidad"}},
    {{"police", "Police"},
     {"fire", "Fire"},
     {"medical", "Medical"},
     {"civil_protection", "Civil protection"},
     {"municipal", "Municipal"}}};

const char* kMonthsEs[] = {"enero", "febrero", "marzo",     "abril",   "mayo",      "junio",
                           "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre"};
const char* kMonthsEn[] = {"January", "February", "March",     "April",   "May",      "June",
                           "July",    "August",   "September", "October", "November", "December"};
const char* kDaysEs[] = {"lun", "mar", "mié", "jue", "vie", "sáb", "dom"};
const char* kDaysEn[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

// Colour ramps: kernel density (ColorBrewer YlOrRd, 7 classes); Gi* bins -3..+3 (RdBu).
const char* kDensity[] = {"#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c",
                          "#b10026"};
const char* kGiColour[] = {"#2166ac", "#67a9cf", "#d1e5f0", "", "#fddbc7", "#ef8a62", "#b2182b"};

class Writer {
 public:
  explicit Writer(const MonthlyReportData& d) : d_(d), en_(d.lang == "en") {}

  std::string T(std::string_view key) const {
    for (const Text& t : kTexts)
      if (key == t.key) return en_ ? t.en : t.es;
    return std::string(key);
  }
  // Replaces {name} placeholders.
  static std::string Fill(std::string s, const std::map<std::string, std::string>& values) {
    for (const auto& [k, v] : values) {
      const std::string tag = "{" + k + "}";
      for (size_t at = s.find(tag); at != std::string::npos; at = s.find(tag, at + v.size()))
        s.replace(at, tag.size(), v);
    }
    return s;
  }

  // Integers with thousands separators: 1.234 (es), 1,234 (en).
  std::string Int(int64_t v) const {
    std::string digits = std::to_string(v < 0 ? -v : v), out;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += en_ ? ',' : '.';
      out += digits[i];
    }
    return v < 0 ? "-" + out : out;
  }
  // Fixed decimals with the language's separators.
  std::string Dec(double v, int digits) const {
    if (!std::isfinite(v)) return "—";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, std::abs(v));
    std::string s = buf;
    const size_t dot = s.find('.');
    std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
    std::string out;
    for (size_t i = 0; i < whole.size(); ++i) {
      if (i > 0 && (whole.size() - i) % 3 == 0) out += en_ ? ',' : '.';
      out += whole[i];
    }
    if (!frac.empty()) out += (en_ ? "." : ",") + frac;
    const bool zero = s.find_first_not_of("0.") == std::string::npos;
    return v < 0 && !zero ? "-" + out : out;
  }
  // A share (0.217) as a percentage: "21,7 %" (es) / "21.7%" (en).
  std::string Pct(double share, int digits = 1) const {
    if (!std::isfinite(share)) return "—";
    return Dec(share * 100, digits) + (en_ ? "%" : " %");
  }
  // (current - base) / base, "+12,5 %"; "—" when base is 0.
  std::string Change(uint64_t current, uint64_t base) const {
    if (base == 0) return "—";
    const double c = (static_cast<double>(current) - static_cast<double>(base)) /
                     static_cast<double>(base);
    const double rounded = std::round(c * 1000) / 1000;
    return (rounded > 0 ? "+" : "") + Pct(rounded);
  }
  std::string Seconds(double s) const {
    if (!std::isfinite(s)) return "—";
    const int64_t t = std::llround(s);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(t / 60),
                  static_cast<long long>(t % 60));
    return buf;
  }
  std::string MonthName(const std::string& ym) const {
    const int y = std::stoi(ym.substr(0, 4)), m = std::stoi(ym.substr(5, 2));
    return en_ ? std::string(kMonthsEn[m - 1]) + " " + std::to_string(y)
               : std::string(kMonthsEs[m - 1]) + " de " + std::to_string(y);
  }
  std::string Agency(const std::string& a) const {
    const auto& names = kAgencies[en_ ? 1 : 0];
    auto it = names.find(a);
    return it == names.end() ? a : it->second;
  }

  std::string Render() {
    Head();
    Adoption();
    Counts();
    Trend();
    Matrix();
    Maps();
    Top();
    Dark();
    Response();
    out_ += "</main></body></html>\n";
    return std::move(out_);
  }

 private:
  void Head() {
    const std::string month = MonthName(d_.month);
    std::time_t t = static_cast<std::time_t>(d_.generated_ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char generated[32];
    std::strftime(generated, sizeof generated, "%Y-%m-%d %H:%M UTC", &tm);
    out_ += "<!DOCTYPE html>\n<html lang=\"" + d_.lang +
            "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            "content=\"width=device-width, initial-scale=1\">";
    out_ += "<title>" + EscapeMarkup(T("title") + " — " + d_.area.name + " — " + month) + "</title>";
    out_ += R"(<style>
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a; margin: 0; font-size: 10.5pt; }
main { max-width: 190mm; margin: 0 auto; padding: 8px; }
header { border-bottom: 3px solid #0b3d91; margin-bottom: 10px; }
h1 { font-size: 18pt; margin: 0 0 4px; color: #0b3d91; }
h2 { font-size: 13pt; margin: 18px 0 6px; color: #0b3d91; border-bottom: 1px solid #c8d2e6; }
.meta { margin: 2px 0 8px; color: #333; }
.note { color: #555; font-size: 9pt; margin: 4px 0; }
section { break-inside: avoid; page-break-inside: avoid; }
section.map { break-before: page; page-break-before: always; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
th, td { border: 1px solid #c8d2e6; padding: 3px 5px; }
th { background: #eef2f9; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.parent td { font-weight: bold; background: #f6f8fc; }
tr.d1 td:first-child { padding-left: 16px; }
tr.d2 td:first-child { padding-left: 28px; }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 9pt; margin: 4px 0; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.sw { display: inline-block; width: 14px; height: 10px; border: 1px solid #999; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; }
</style></head><body><main>)";
    out_ += "<header><h1>" + EscapeMarkup(T("title")) + "</h1>";
    out_ += "<p class=\"meta\"><strong>" + EscapeMarkup(T("area")) + ":</strong> <span id=\"area\">" +
            EscapeMarkup(d_.area.name) + " (" + EscapeMarkup(d_.area.code) + ")</span> · <strong>" +
            EscapeMarkup(T("month")) + ":</strong> <span id=\"month\" data-month=\"" + d_.month +
            "\">" + EscapeMarkup(month) + "</span> · <strong>" + EscapeMarkup(T("generated")) +
            ":</strong> <span id=\"generated\">" + generated + "</span></p></header>\n";
  }

  void Adoption() {
    out_ += "<section id=\"adoption\"><h2>" + EscapeMarkup(T("adoption")) + "</h2><table><thead><tr><th>" +
            EscapeMarkup(T("area")) + "</th><th>" + EscapeMarkup(T("population")) + "</th><th>" +
            EscapeMarkup(T("registered")) + "</th><th>" + EscapeMarkup(T("target")) + "</th><th>" +
            EscapeMarkup(T("missing")) + "</th><th>" + EscapeMarkup(T("compliance")) + "</th><th>" +
            EscapeMarkup(T("reports_month")) + "</th></tr></thead><tbody>";
    for (const analytics::AdoptionRow& r : d_.adoption) {
      const std::string id = "adoption-" + EscapeMarkup(r.code) + "-";
      std::string compliance = "—";
      if (r.compliance_tenths) compliance = Dec(static_cast<double>(*r.compliance_tenths) / 10, 1) + (en_ ? "%" : " %");
      out_ += "<tr class=\"" + std::string(r.leaf ? "" : "parent ") + "d" +
              std::to_string(std::min(r.depth, 2)) + "\"><td>" + EscapeMarkup(r.name) +
              "</td><td class=\"n\" id=\"" + id + "population\">" + Int(r.population) +
              "</td><td class=\"n\" id=\"" + id + "registered\">" + Int(r.registered) +
              "</td><td class=\"n\" id=\"" + id + "target\">" + Int(r.target) +
              "</td><td class=\"n\" id=\"" + id + "missing\">" + Int(r.missing) +
              "</td><td class=\"n\" id=\"" + id + "compliance\">" + compliance +
              "</td><td class=\"n\" id=\"" + id + "reports\">" + Int(r.reports) + "</td></tr>";
    }
    out_ += "</tbody></table><p class=\"note\">" + EscapeMarkup(T("adoption_note")) + "</p></section>\n";
  }

  void Counts() {
    out_ += "<section id=\"counts\"><h2>" + EscapeMarkup(T("counts")) + "</h2><table><thead><tr><th>" +
            EscapeMarkup(T("source")) + "</th><th>" + EscapeMarkup(T("this_month")) + "<br>" +
            EscapeMarkup(MonthName(d_.month)) + "</th><th>" + EscapeMarkup(T("previous_month")) + "</th><th>" +
            EscapeMarkup(T("change")) + "</th><th>" + EscapeMarkup(T("year_before")) + "</th><th>" +
            EscapeMarkup(T("change")) + "</th></tr></thead><tbody>";
    auto row = [&](const char* key, const char* id, uint64_t c, uint64_t p, uint64_t y) {
      const std::string base = std::string("count-") + id + "-";
      out_ += "<tr><td>" + EscapeMarkup(T(key)) + "</td><td class=\"n\" id=\"" + base + "current\">" +
              Int(static_cast<int64_t>(c)) + "</td><td class=\"n\" id=\"" + base + "previous\">" +
              Int(static_cast<int64_t>(p)) + "</td><td class=\"n\" id=\"" + base +
              "previous-change\">" + Change(c, p) + "</td><td class=\"n\" id=\"" + base +
              "year\">" + Int(static_cast<int64_t>(y)) + "</td><td class=\"n\" id=\"" + base +
              "year-change\">" + Change(c, y) + "</td></tr>";
    };
    row("formal", "formal", d_.current.formal, d_.previous.formal, d_.year_before.formal);
    row("informal", "informal", d_.current.informal, d_.previous.informal,
        d_.year_before.informal);
    row("total", "total", d_.current.formal + d_.current.informal,
        d_.previous.formal + d_.previous.informal, d_.year_before.formal + d_.year_before.informal);
    out_ += "</tbody></table><p class=\"note\">" + EscapeMarkup(T("counts_note")) + "</p></section>\n";
  }

  void Trend() {
    constexpr double W = 680, H = 230, L = 44, R = 10, Tp = 10, B = 34;
    const size_t n = d_.rolling_formal.size();
    uint64_t max = 1;
    for (size_t i = 0; i < n; ++i)
      max = std::max({max, d_.rolling_formal[i], d_.rolling_informal[i]});
    // A round top for the axis: 1, 2 or 5 x 10^k at or above max.
    double top = 1;
    while (top < static_cast<double>(max)) {
      if (top * 2 >= static_cast<double>(max)) { top *= 2; break; }
      if (top * 5 >= static_cast<double>(max)) { top *= 5; break; }
      top *= 10;
    }
    auto x = [&](size_t i) { return L + (W - L - R) * (n > 1 ? static_cast<double>(i) / (n - 1) : 0); };
    auto y = [&](double v) { return Tp + (H - Tp - B) * (1 - v / top); };
    char buf[160];
    out_ += "<section id=\"trend\"><h2>" + EscapeMarkup(T("trend")) + "</h2>";
    out_ += "<svg viewBox=\"0 0 680 230\" width=\"680\" height=\"230\" role=\"img\" aria-label=\"" +
            EscapeMarkup(T("trend")) + "\">";
    for (int k = 0; k <= 4; ++k) {
      const double v = top * k / 4, yy = y(v);
      std::snprintf(buf, sizeof buf,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dde3ee\"/>", L, yy,
                    W - R, yy);
      out_ += buf;
      std::snprintf(buf, sizeof buf,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">", L - 4, yy + 3);
      out_ += std::string(buf) + Int(std::llround(v)) + "</text>";
    }
    // Month ticks at each first of a month.
    for (size_t i = 0; i < n; ++i) {
      const std::string date = CivilDate(d_.first_day + static_cast<int64_t>(i));
      if (date.substr(8) != "01") continue;
      const int m = std::stoi(date.substr(5, 2));
      std::snprintf(buf, sizeof buf,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eef1f6\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">",
                    x(i), Tp, x(i), H - B, x(i), H - B + 12);
      out_ += std::string(buf) + (en_ ? std::string(kMonthsEn[m - 1]).substr(0, 3)
                                      : std::string(kMonthsEs[m - 1]).substr(0, 3));
      if (m == 1) out_ += " " + date.substr(0, 4);
      out_ += "</text>";
    }
    for (auto [series, colour, id] :
         {std::tuple{&d_.rolling_formal, "#1f5fa8", "formal"},
          std::tuple{&d_.rolling_informal, "#e66101", "informal"}}) {
      std::string points;
      for (size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "%s%.1f,%.1f", i ? " " : "", x(i),
                      y(static_cast<double>((*series)[i])));
        points += buf;
      }
      out_ += std::string("<polyline id=\"trend-") + id + "\" fill=\"none\" stroke=\"" + colour +
              "\" stroke-width=\"1.6\" points=\"" + points + "\"/>";
    }
    out_ += "<line x1=\"44\" y1=\"196\" x2=\"670\" y2=\"196\" stroke=\"#888\"/></svg>";
    out_ += "<div class=\"legend\"><span><i class=\"sw\" style=\"background:#1f5fa8\"></i>" +
            EscapeMarkup(T("formal")) + "</span><span><i class=\"sw\" style=\"background:#e66101\"></i>" +
            EscapeMarkup(T("informal")) + "</span></div><p class=\"note\">" + EscapeMarkup(T("trend_note")) +
            "</p></section>\n";
  }

  void Matrix() {
    constexpr double L = 36, Tp = 16, CW = 26, CH = 22;
    uint64_t max = 0, total = 0;
    for (const auto& day : d_.matrix)
      for (uint64_t v : day) max = std::max(max, v), total += v;
    char buf[200];
    out_ += "<section id=\"matrix\"><h2>" + EscapeMarkup(T("matrix")) + "</h2>";
    std::snprintf(buf, sizeof buf, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\">",
                  L + 24 * CW + 4, Tp + 7 * CH + 4, L + 24 * CW + 4, Tp + 7 * CH + 4);
    out_ += buf;
    for (int h = 0; h < 24; ++h) {
      std::snprintf(buf, sizeof buf,
                    "<text x=\"%.1f\" y=\"11\" font-size=\"9\" text-anchor=\"middle\">%02d</text>",
                    L + h * CW + CW / 2, h);
      out_ += buf;
    }
    for (int wd = 0; wd < 7; ++wd) {
      std::snprintf(buf, sizeof buf, "<text x=\"2\" y=\"%.1f\" font-size=\"10\">%s</text>",
                    Tp + wd * CH + CH / 2 + 4, en_ ? kDaysEn[wd] : kDaysEs[wd]);
      out_ += buf;
      for (int h = 0; h < 24; ++h) {
        const uint64_t v = d_.matrix[static_cast<size_t>(wd)][static_cast<size_t>(h)];
        const double f = max ? static_cast<double>(v) / static_cast<double>(max) : 0;
        // White to dark red.
        const int r = static_cast<int>(255 - f * (255 - 165)), g = static_cast<int>(255 - f * 240),
                  b = static_cast<int>(255 - f * 235);
        std::snprintf(buf, sizeof buf,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                      "fill=\"#%02x%02x%02x\" stroke=\"#e3e7ef\"><title>%s %02d:00 — %llu</title></rect>",
                      L + h * CW, Tp + wd * CH, CW, CH, r, g, b, en_ ? kDaysEn[wd] : kDaysEs[wd], h,
                      static_cast<unsigned long long>(v));
        out_ += buf;
        if (v > 0) {
          std::snprintf(buf, sizeof buf,
                        "<text id=\"matrix-%d-%d\" x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
                        "text-anchor=\"middle\" fill=\"%s\">%llu</text>",
                        wd, h, L + h * CW + CW / 2, Tp + wd * CH + CH / 2 + 3,
                        f > 0.55 ? "#fff" : "#222", static_cast<unsigned long long>(v));
          out_ += buf;
        }
      }
    }
    const int off = d_.utc_offset_min;
    std::snprintf(buf, sizeof buf, "UTC%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60,
                  std::abs(off) % 60);
    out_ += "</svg><p class=\"note\">" + EscapeMarkup(T("matrix_note")) + " (" + buf + "); " +
            EscapeMarkup(T("total")) + ": <span id=\"matrix-total\">" +
            Int(static_cast<int64_t>(total)) + "</span>.</p></section>\n";
  }

  // --- maps ---------------------------------------------------------------------------
  // The SVG frame is the grid's local projection in metres with y flipped (north up).
  struct Frame {
    double x0 = 0, y0 = 0, w = 1, h = 1;  // metres: west edge, north edge (as -y), size
  };
  Frame MapFrame() const {
    const double c = d_.grid->cell_m();
    Frame f;
    f.x0 = d_.study.ix0 * c;
    f.w = d_.study.width * c;
    f.h = d_.study.height * c;
    f.y0 = -(d_.study.iy0 + d_.study.height) * c;
    return f;
  }
  std::string SvgOpen(const Frame& f, const std::string& label) const {
    const double width = 680, height = std::min(900.0, width * f.h / f.w);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "<svg viewBox=\"%.0f %.0f %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                  "preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"",
                  f.x0, f.y0, f.w, f.h, width, height);
    return std::string(buf) + EscapeMarkup(label) + "\"><rect x=\"" + std::to_string(f.x0) + "\" y=\"" +
           std::to_string(f.y0) + "\" width=\"" + std::to_string(f.w) + "\" height=\"" +
           std::to_string(f.h) + "\" fill=\"#f7f7f4\"/>";
  }
  // Path data of a GeoJSON Polygon/MultiPolygon, projected.
  std::string PolygonPath(const std::string& geometry) const {
    std::string path;
    json::value v;
    try {
      v = json::parse(geometry);
    } catch (...) {
      return path;
    }
    const auto& proj = d_.grid->projection();
    char buf[48];
    auto ring = [&](const json::array& r) {
      for (size_t i = 0; i < r.size(); ++i) {
        const json::array& p = r[i].as_array();
        const double lon = p[0].to_number<double>(), lat = p[1].to_number<double>();
        std::snprintf(buf, sizeof buf, "%c%.0f %.0f", i ? 'L' : 'M', proj.x(lon), -proj.y(lat));
        path += buf;
      }
      path += 'Z';
    };
    try {
      const json::object& o = v.as_object();
      const std::string type = json::value_to<std::string>(o.at("type"));
      const json::array& coords = o.at("coordinates").as_array();
      if (type == "Polygon") {
        for (const json::value& r : coords) ring(r.as_array());
      } else if (type == "MultiPolygon") {
        for (const json::value& poly : coords)
          for (const json::value& r : poly.as_array()) ring(r.as_array());
      }
    } catch (...) {
      return "";
    }
    return path;
  }
  std::string Boundaries() const {
    std::string s;
    for (const areas::Area& c : d_.children)
      s += "<path d=\"" + PolygonPath(c.geometry) +
           "\" fill=\"none\" stroke=\"#555\" stroke-width=\"0.8\" "
           "vector-effect=\"non-scaling-stroke\" fill-rule=\"evenodd\"/>";
    s += "<path d=\"" + PolygonPath(d_.area.geometry) +
         "\" fill=\"none\" stroke=\"#0b3d91\" stroke-width=\"2\" "
         "vector-effect=\"non-scaling-stroke\" fill-rule=\"evenodd\"/>";
    // Names at the centre of each child's bounding box.
    const auto& proj = d_.grid->projection();
    const double size = MapFrame().w / 60;
    for (const areas::Area& c : d_.children) {
      auto g = geo::ValidateGeometry(c.geometry);
      if (!g.ok()) continue;
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "<text x=\"%.0f\" y=\"%.0f\" font-size=\"%.0f\" text-anchor=\"middle\" "
                    "fill=\"#222\" stroke=\"#fff\" stroke-width=\"%.0f\" paint-order=\"stroke\">",
                    proj.x((g->bbox.min_lon + g->bbox.max_lon) / 2),
                    -proj.y((g->bbox.min_lat + g->bbox.max_lat) / 2), size, size / 4);
      s += std::string(buf) + EscapeMarkup(c.name) + "</text>";
    }
    return s;
  }
  // One rect per run of equal classes along a row; class 0 is not drawn.
  template <typename ClassOf>
  std::string CellRuns(ClassOf&& class_of, const char* const* colours, int offset) const {
    std::string s;
    const double c = d_.grid->cell_m();
    char buf[160];
    for (int32_t y = 0; y < d_.study.height; ++y) {
      int32_t x = 0;
      while (x < d_.study.width) {
        const int k = class_of(x, y);
        int32_t end = x + 1;
        while (end < d_.study.width && class_of(end, y) == k) ++end;
        if (k != 0) {
          std::snprintf(buf, sizeof buf,
                        "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\"/>",
                        (d_.study.ix0 + x) * c, -(d_.study.iy0 + y + 1) * c, (end - x) * c, c,
                        colours[k + offset]);
          s += buf;
        }
        x = end;
      }
    }
    return s;
  }

  void Maps() {
    const std::string cell = Dec(d_.grid->cell_m(), 0);
    // Heatmap.
    double max = 0;
    for (double v : d_.density->values) max = std::max(max, v);
    out_ += "<section class=\"map\" id=\"heatmap\"><h2>" + EscapeMarkup(T("heatmap")) + "</h2>";
    out_ += SvgOpen(MapFrame(), T("heatmap"));
    if (max > 0) {
      const analytics::Raster& r = *d_.density;
      out_ += CellRuns(
          [&](int32_t x, int32_t y) {
            const double f = r.at(x, y) / max;
            if (f < 0.02) return 0;
            return std::min(7, static_cast<int>(std::ceil(f * 7)));
          },
          kDensity, -1);
    }
    out_ += Boundaries() + "</svg><div class=\"legend\">";
    for (int k = 0; k < 7; ++k)
      out_ += "<span><i class=\"sw\" style=\"background:" + std::string(kDensity[k]) + "\"></i>" +
              Dec(max * k / 7, 1) + "–" + Dec(max * (k + 1) / 7, 1) + "</span>";
    out_ += "</div><p class=\"note\">" + EscapeMarkup(T("heatmap_note")) + " " + Dec(d_.bandwidth_m, 0) +
            " m; " + EscapeMarkup(T("per_km2")) + "; " + EscapeMarkup(T("incidents")) + ": <span id=\"located\">" +
            Int(static_cast<int64_t>(d_.located)) + "</span>.</p></section>\n";

    // Gi*.
    out_ += "<section class=\"map\" id=\"hotspots\"><h2>" + EscapeMarkup(T("hotspots")) + "</h2>";
    out_ += SvgOpen(MapFrame(), T("hotspots"));
    if (d_.hotspots) {
      const crime::HotspotGrid& h = *d_.hotspots;
      out_ += CellRuns(
          [&](int32_t x, int32_t y) {
            return static_cast<int>(h.gi.bin[static_cast<size_t>(y) * h.study.width + x]);
          },
          kGiColour, 3);
    }
    out_ += Boundaries() + "</svg>";
    if (!d_.hotspots) {
      out_ += "<p class=\"note\" id=\"hotspots-none\">" + EscapeMarkup(T("no_hotspots")) + ": " +
              EscapeMarkup(d_.hotspots_note) + "</p></section>\n";
      return;
    }
    const crime::HotspotGrid& h = *d_.hotspots;
    int64_t per_bin[7] = {0, 0, 0, 0, 0, 0, 0};
    for (int8_t b : h.gi.bin) ++per_bin[b + 3];
    out_ += "<div class=\"legend\">";
    const char* levels[] = {"99 %", "95 %", "90 %"};
    for (int k = 0; k < 7; ++k) {
      if (k == 3) continue;
      const int level = k < 3 ? k : 6 - k;
      std::string label = EscapeMarkup(T(k < 3 ? "cold" : "hot")) + " " + levels[level];
      if (en_) label.erase(label.size() - 2, 1);  // "99%"
      out_ += "<span><i class=\"sw\" style=\"background:" + std::string(kGiColour[k]) + "\"></i>" +
              label + ": <b id=\"gi-bin-" + std::to_string(k - 3) + "\">" + Int(per_bin[k]) +
              "</b></span>";
    }
    out_ += "</div><p class=\"note\">" +
            EscapeMarkup(Fill(T("hotspots_note"), {{"cell", cell},
                                             {"band", Dec(h.band_m, 0)},
                                             {"n", Int(h.gi.n)}})) +
            "</p></section>\n";
  }

  void Top() {
    out_ += "<section id=\"top\"><h2>" + EscapeMarkup(T("top")) + "</h2>";
    if (d_.top.empty()) {
      out_ += "<p class=\"note\">" + EscapeMarkup(d_.hotspots ? T("none") : T("no_hotspots")) +
              "</p></section>\n";
      return;
    }
    out_ += "<table><thead><tr><th>" + EscapeMarkup(T("rank")) + "</th><th>" + EscapeMarkup(T("area")) +
            "</th><th>" + EscapeMarkup(T("centre")) + "</th><th>" + EscapeMarkup(T("incidents")) +
            "</th><th>z (Gi*)</th><th>p</th><th>" + EscapeMarkup(T("confidence")) +
            "</th></tr></thead><tbody>";
    int rank = 0;
    for (const TopCell& t : d_.top) {
      ++rank;
      char centre[64], p[32];
      std::snprintf(centre, sizeof centre, "%.5f, %.5f", t.lat, t.lon);
      if (t.cell.p < 0.0001) {
        std::snprintf(p, sizeof p, "&lt; 0%s0001", en_ ? "." : ",");
      } else {
        std::snprintf(p, sizeof p, "%s", Dec(t.cell.p, 4).c_str());
      }
      const int level = t.cell.bin;
      out_ += "<tr id=\"top-" + std::to_string(rank) + "\" data-ix=\"" + std::to_string(t.cell.ix) +
              "\" data-iy=\"" + std::to_string(t.cell.iy) + "\"><td class=\"n\">" +
              std::to_string(rank) + "</td><td>" + EscapeMarkup(t.area_name) + "</td><td>" + centre +
              "</td><td class=\"n\">" + Int(t.cell.count) + "</td><td class=\"n\">" +
              Dec(t.cell.z, 2) + "</td><td class=\"n\">" + p + "</td><td class=\"n\">" +
              (level == 3 ? "99" : level == 2 ? "95" : "90") + (en_ ? "%" : " %") + "</td></tr>";
    }
    out_ += "</tbody></table></section>\n";
  }

  void Dark() {
    const analytics::DarkFigureQuery& q = d_.dark_query;
    out_ += "<section id=\"dark\"><h2>" + EscapeMarkup(T("dark")) + "</h2>";
    const std::string note = Fill(T("dark_note"), {{"d", Dec(q.match.distance_m, 0)},
                                                   {"h", Dec(q.match.hours, 0)},
                                                   {"ref", Pct(q.reference, 0)},
                                                   {"tgt", Pct(q.target, 0)}});
    if (d_.dark.empty()) {
      out_ += "<p class=\"note\">" + EscapeMarkup(T("no_data")) + " " + EscapeMarkup(note) + "</p></section>\n";
      return;
    }
    out_ += "<table><thead><tr><th>" + EscapeMarkup(T("family")) + "</th><th>" + EscapeMarkup(T("informal")) +
            "</th><th>" + EscapeMarkup(T("formal")) + "</th><th>" + EscapeMarkup(T("matched")) + "</th><th>" +
            EscapeMarkup(T("unmatched")) + "</th><th>" + EscapeMarkup(T("estimated")) + "</th><th>" +
            EscapeMarkup(T("dark_figure")) + "</th><th>" + EscapeMarkup(T("reference")) + "</th><th>" +
            EscapeMarkup(T("target")) + "</th><th>" + EscapeMarkup(T("progress")) + "</th><th>" +
            EscapeMarkup(T("met")) + "</th></tr></thead><tbody>";
    auto row = [&](const std::string& name, const std::string& id,
                   const analytics::DarkFigurePoint& p, bool bold) {
      const std::string base = "dark-" + id + "-";
      out_ += std::string(bold ? "<tr class=\"parent\">" : "<tr>") + "<td>" + EscapeMarkup(name) +
              "</td><td class=\"n\" id=\"" + base + "informal\">" + Int(p.informal) +
              "</td><td class=\"n\" id=\"" + base + "formal\">" + Int(p.formal) +
              "</td><td class=\"n\" id=\"" + base + "matched\">" + Int(p.matched) +
              "</td><td class=\"n\" id=\"" + base + "unmatched\">" + Pct(p.unmatched_share) +
              "</td><td class=\"n\" id=\"" + base + "estimated\">" + Dec(p.total.estimate, 1) +
              "</td><td class=\"n\" id=\"" + base + "dark\">" + Pct(p.dark_figure) +
              "</td><td class=\"n\">" + Pct(p.reference, 0) + "</td><td class=\"n\">" +
              Pct(p.target, 0) + "</td><td class=\"n\">" + Pct(p.progress, 0) +
              "</td><td>" + EscapeMarkup(T(p.target_met ? "yes" : "no")) + "</td></tr>";
    };
    for (const analytics::DarkFigureRow& r : d_.dark) row(r.family, EscapeMarkup(r.family), r.point, false);
    if (d_.dark_total) row(T("all_families"), "all", *d_.dark_total, true);
    out_ += "</tbody></table><p class=\"note\">" + EscapeMarkup(note) + "</p></section>\n";
  }

  void Response() {
    out_ += "<section id=\"response\"><h2>" + EscapeMarkup(T("response")) + "</h2>";
    const std::string note = Fill(T("response_note"), {{"t", Seconds(d_.target_s) + " min"}});
    if (d_.response.empty()) {
      out_ += "<p class=\"note\">" + EscapeMarkup(T("no_data")) + " " + EscapeMarkup(note) + "</p></section>\n";
      return;
    }
    out_ += "<table><thead><tr><th>" + EscapeMarkup(T("agency")) + "</th><th>" + EscapeMarkup(T("priority")) +
            "</th><th>" + EscapeMarkup(T("incidents")) + "</th><th>p50 (min:s)</th><th>p90 (min:s)</th><th>" +
            EscapeMarkup(T("within")) + "</th></tr></thead><tbody>";
    for (const analytics::DurationSummary& s : d_.response) {
      const std::string id = "response-" + EscapeMarkup(s.key[1]) + "-" + EscapeMarkup(s.key[2]) + "-";
      out_ += "<tr><td>" + EscapeMarkup(Agency(s.key[1])) + "</td><td class=\"n\">" + EscapeMarkup(s.key[2]) +
              "</td><td class=\"n\" id=\"" + id + "count\">" + Int(s.count) +
              "</td><td class=\"n\" id=\"" + id + "p50\">" + Seconds(s.p50) +
              "</td><td class=\"n\" id=\"" + id + "p90\">" + Seconds(s.p90) +
              "</td><td class=\"n\" id=\"" + id + "within\">" + Pct(s.within_target_share) +
              "</td></tr>";
    }
    out_ += "</tbody></table><p class=\"note\">" + EscapeMarkup(note) + "</p></section>\n";
  }

  const MonthlyReportData& d_;
  bool en_;
  std::string out_;
};

}  // namespace

std::string RenderMonthlyReportHtml(const MonthlyReportData& data) {
  return Writer(data).Render();
}

}  // namespace centinela::app

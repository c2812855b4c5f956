#pragma once
// Who may fetch media someone else uploaded (the MediaAccess the app gives MediaService).
//
// A media is used by the reports that list it (report_media) and by the timeline steps that
// show it (incident_steps.media_id). Each use lets a viewer have the original, the copy
// without metadata, or nothing:
//   - a report: staff (operator, responder, analyst, admin) covering one of its areas get
//     the original; anyone else who may see the report (community::Decide: family, the
//     neighbourhood for public categories) the stripped copy; everyone else nothing;
//   - a step: staff covering the incident get the original; for a public step, anyone who
//     may see one of the incident's reports (they see the step on the report's timeline) the
//     stripped copy; an internal step nobody else.
// The media goes to a viewer as the MOST RESTRICTIVE of all its uses: a photo of a
// restricted report is never served to the neighbourhood or a family because some public
// step (or another report) also shows it. A media nobody uses is the uploader's alone.
// Proofs of residence are decided before this (media::ProofsOfResidenceFirst).

#include <vector>

#include "areas/areas.h"
#include "community/reports.h"
#include "media/media.h"
#include "store/store.h"

namespace centinela::app {

//! What one use of a media lets a viewer have, from the least to the most restrictive (the
//! stricter of two is std::max).
enum class MediaGrant { kOriginal = 0, kStripped = 1, kNothing = 2 };

//! A report listing the media: `visible` is Decide's answer for the viewer, `staff` whether
//! a staff grant of the viewer covers one of the report's areas. Pure.
MediaGrant ReportUse(bool visible, bool staff);
//! A step showing the media: `staff` covers the incident; `sees_a_report` may see one of the
//! incident's reports. Pure.
MediaGrant StepUse(bool is_public, bool staff, bool sees_a_report);
//! The most restrictive of every use; kNothing without uses. Pure.
MediaGrant MostRestrictive(const std::vector<MediaGrant>& uses);

//! The rule above over the store: reads the media's uses, the reports involved through
//! `reports` (Decide for the caller) and the incidents' areas. Thread-safe (reads only).
media::MediaAccess ReportMediaAccess(store::Store& store, const areas::AreaService& areas,
                                     community::ReportService& reports);

}  // namespace centinela::app

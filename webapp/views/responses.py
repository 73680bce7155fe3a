"""Response assessments of an episode's tumours, in place on the episode
page: the routes tumours and treatments have (RecordViews), the list shown
tumour by tumour with each one's regression grade."""
from flask import request

from webapp.forms.responses import ResponseForm
from webapp.store import responses as store
from webapp.store import tumours as tumours_store
from webapp.views.episode_records import PAGE, RecordViews
from webapp.views.rendering import page_or_fragment


class ResponseViews(RecordViews):
    def listing(self, episode, status=200, saved=None):
        """Each tumour of the episode with its assessments in date order;
        an assessment whose tumour is not among them (a legacy link) is
        listed too, under no tumour, never hidden."""
        tumours = tumours_store.for_episode(episode)
        found = self.store.for_episode(episode)
        ids = [t.get("tumour_id") if isinstance(t.get("tumour_id"), str) else None for t in tumours]
        groups = [(t, [a for a in found if tumour_id and a.get("tumour_id") == tumour_id])
                  for t, tumour_id in zip(tumours, ids, strict=True)]
        unlinked = [a for a in found if not isinstance(a.get("tumour_id"), str) or a["tumour_id"] not in ids]
        return page_or_fragment(PAGE, self.list_fragment, status, **self.context(
            episode, records=found, groups=groups, unlinked=unlinked, saved=saved))


def make_form(episode, record):
    tumours = tumours_store.for_episode(episode)
    if record is not None and request.method == "GET":
        return ResponseForm.for_record(record, tumours=tumours)
    if record is not None:
        return ResponseForm(tumours=tumours, assessment=record).with_notes(record)
    form = ResponseForm(tumours=tumours)
    if request.method == "GET":
        # "Add an assessment" beside a tumour opens the form on that tumour.
        asked = request.args.get("tumour_id")
        form.tumour_id.data = asked if asked in form.tumours else (
            next(iter(form.tumours)) if len(form.tumours) == 1 else "")
    return form


bp = ResponseViews("responses", "assessment", store, make_form).blueprint()

"""A text box in which a learner types a review and sees what the model makes of it.

``review_box(read, attribute)`` calls ``read(text)`` (e.g. ``d2l.read_review`` with a
model bound) whenever the text changes and shows ``prediction.describe_reading`` of its
answer, and under it the review with each word highlighted by ``attribute(text)``
(e.g. ``d2l.token_attributions`` with the model bound; ``attribution.to_html``). The
cells beside it in the notebook call the same functions, ``answer`` and ``highlights``,
on fixed reviews, so the notebook's tests check what the box shows.
"""
from .attribution import to_html
from .prediction import describe_reading

PROMPT = 'Type a review to see its label.'


def answer(read, text):
    """The line the box shows for ``text``: the reading, or the prompt when it is empty."""
    return describe_reading(read(text)) if text.strip() else PROMPT


def highlights(attribute, text):
    """The HTML the box shows under that line for ``text``: its words highlighted by
    their attributions, or nothing when it is empty."""
    return to_html(attribute(text)) if text.strip() else ''


def review_box(read, attribute=None, value=''):
    """An ipywidgets text area, the line that answers it and, given ``attribute``, the
    review with its words highlighted, both updated as one types."""
    import ipywidgets as widgets  # only notebooks need it
    box = widgets.Textarea(value=value, placeholder='A review, in English',
                           continuous_update=True,
                           layout=widgets.Layout(width='100%', height='5em'))
    shown = widgets.Label(value=answer(read, value))
    shown.add_class('d2lsent-reading')  # the browser test finds the answer by this class
    words = widgets.HTML(value=highlights(attribute, value)) if attribute else None

    def update(change):
        shown.value = answer(read, change['new'])
        if words is not None:
            words.value = highlights(attribute, change['new'])
    box.observe(update, names='value')
    return widgets.VBox([box, shown] + ([words] if words is not None else []))

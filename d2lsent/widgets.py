"""A text box in which a learner types a review and sees what the model makes of it.

``review_box(read)`` calls ``read(text)`` (e.g. ``d2l.read_review`` with a model
bound) whenever the text changes and shows ``prediction.describe_reading`` of its
answer: the cell beside it in the notebook calls the same function on fixed reviews,
so the notebook's tests check what the box shows.
"""
from .prediction import describe_reading

PROMPT = 'Type a review to see its label.'


def answer(read, text):
    """The line the box shows for ``text``: the reading, or the prompt when it is empty."""
    return describe_reading(read(text)) if text.strip() else PROMPT


def review_box(read, value=''):
    """An ipywidgets text area and the line that answers it, updated as one types."""
    import ipywidgets as widgets  # only notebooks need it
    box = widgets.Textarea(value=value, placeholder='A review, in English',
                           continuous_update=True,
                           layout=widgets.Layout(width='100%', height='5em'))
    shown = widgets.Label(value=answer(read, value))
    shown.add_class('d2lsent-reading')  # the browser test finds the answer by this class
    box.observe(lambda change: setattr(shown, 'value', answer(read, change['new'])),
                names='value')
    return widgets.VBox([box, shown])

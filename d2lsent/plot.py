"""Figures: the training curves of a run, drawn at the end or live in a notebook."""
from matplotlib import pyplot as plt

from .files import atomic_write


def save_figure(fig, path):
    """Write ``fig`` to the PNG file ``path`` (whole or not at all), then close it."""
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=100)
    plt.close(fig)


def plot_history(history, figsize=(7, 3)):
    """Training loss (left) and accuracies (right) per epoch; returns the figure."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=figsize)
    epochs = history['epoch']
    ax_loss.plot(epochs, history['train_loss'], 'o-', label='train loss')
    ax_loss.set_xlabel('epoch')
    ax_loss.legend()
    for key in ('train_acc', 'valid_acc', 'test_acc'):
        ax_acc.plot(epochs, history[key], 'o-', label=key.replace('_', ' '))
    ax_acc.set_xlabel('epoch')
    ax_acc.legend()
    fig.tight_layout()
    return fig


class Animator:
    """Redraws the training curves after every epoch in a notebook, like the book's.

    A backend's ``train(..., animator=Animator(num_epochs))`` calls ``add`` with
    the ``History`` so far; the figure is replaced in place.
    """

    def __init__(self, num_epochs, figsize=(7, 3)):
        self.num_epochs, self.figsize = num_epochs, figsize

    def add(self, history):
        from IPython import display
        fig = plot_history(history, self.figsize)
        for ax in fig.axes:
            ax.set_xlim(0.5, self.num_epochs + 0.5)
        display.display(fig)
        display.clear_output(wait=True)
        plt.close(fig)

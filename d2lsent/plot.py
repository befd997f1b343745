"""Figures: the training curves of a run."""
from matplotlib import pyplot as plt


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

"""Sphinx configuration of the chapter as a website: make book.

MyST-NB renders the notebooks with their stored outputs (nothing is executed);
the source folder is the repository, of which only the pages below are read.
"""
project = 'd2lsent: sentiment analysis with GloVe and a bidirectional LSTM'
author = 'the d2lsent authors'
extensions = ['myst_nb']
root_doc = 'docs/book/index'
include_patterns = ['docs/book/index.md', 'notebooks/[0-9]*.ipynb',
                    'notebooks/solutions/*.ipynb']
exclude_patterns = ['.venv', '.venv-mx2', 'build', 'runs', '.git']  # not walked
nb_execution_mode = 'off'  # the stored outputs, as the notebooks were executed
myst_heading_anchors = 3  # links to sections within a chapter
html_theme = 'alabaster'
html_theme_options = {'description': 'A notebook-first chapter in the style of Dive '
                                     'into Deep Learning, for PyTorch and MXNet'}
html_sidebars = {'**': ['about.html', 'navigation.html', 'relations.html',
                        'searchbox.html']}
html_title = 'd2lsent'
# index.html at the top of the site, leading to the contents (docs/book/index.html).
html_extra_path = ['root']  # relative to this folder

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
exclude_patterns = ['.venv', '.venv-modern', '.venv-mx2', 'build', 'runs', '.git',
                    '.gpu']  # not walked
nb_execution_mode = 'off'  # the stored outputs, as the notebooks were executed
myst_heading_anchors = 3  # links to sections within a chapter
# The Executable Books project's layout for notebooks (Jupyter Book's): a wide column for
# code and outputs, the contents on the left, each page's sections on the right.
html_theme = 'sphinx_book_theme'
html_theme_options = {'show_toc_level': 2, 'use_download_button': False}
html_static_path = ['static']  # relative to this folder
html_css_files = ['d2lsent.css']  # code and outputs that fit the column
html_title = 'd2lsent'
# index.html at the top of the site, leading to the contents (docs/book/index.html).
html_extra_path = ['root']  # relative to this folder

"""Command line: ``python -m d2lsent prepare``.

``prepare`` fetches and verifies IMDb, builds the vocabulary and the padded
arrays, loads the GloVe vectors and reports what it prepared.
"""
import argparse
import sys

from . import download, glove, imdb


def prepare(args):
    print(f'cache folder: {download.cache_dir()}')
    data_dir = download.download_extract('aclImdb')
    print(f'IMDb reviews: {data_dir}')
    data = imdb.load_imdb(args.num_steps, args.min_freq)
    for split in ('train', 'test'):
        labels = getattr(data, f'{split}_labels')
        lengths = getattr(data, f'{split}_lengths')
        features = getattr(data, f'{split}_features')
        print(f'{split}: {len(labels):,} reviews ({int(labels.sum()):,} positive), '
              f'features {features.shape} {features.dtype}, '
              f'real tokens {lengths.sum() / features.size:.1%} of positions')
    print(f"vocabulary: {len(data.vocab):,} tokens (min_freq={args.min_freq}); "
          f"padding id {data.vocab['<pad>']} (= '<unk>', as in the book)")
    embedding = glove.TokenEmbedding(args.embedding)
    print(f'word vectors: {embedding.name}, {len(embedding):,} tokens x {embedding.dim}')
    print(glove.coverage(data.vocab, embedding))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m d2lsent',
        description='IMDb sentiment classification with GloVe and a BiLSTM.')
    commands = parser.add_subparsers(dest='command', required=True)
    p = commands.add_parser(
        'prepare', help='fetch and verify IMDb and GloVe, build the vocabulary',
        description='Fetch and verify IMDb (cache, then $D2LSENT_MIRROR, then the '
                    'network), build the vocabulary and the padded arrays, load '
                    'the word vectors and report their coverage.')
    p.add_argument('--num-steps', type=int, default=500,
                   help='tokens per review after truncation/padding (default 500)')
    p.add_argument('--min-freq', type=int, default=5,
                   help='minimum count of a token in the vocabulary (default 5)')
    p.add_argument('--embedding', default=glove.PACKAGED,
                   help=f'word vectors: {glove.PACKAGED} (offline, default), '
                        'glove.6b.50d, glove.6b.100d, or a GloVe .txt path')
    p.set_defaults(run=prepare)
    args = parser.parse_args(argv)
    for name in ('num_steps', 'min_freq'):
        if getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1, '
                         f'got {getattr(args, name)}')
    try:
        args.run(args)
    except (download.DataError, ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

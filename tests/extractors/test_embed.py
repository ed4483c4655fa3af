"""The WordLlama embedder reads the wheel's weights itself: the same vectors as the package."""

from __future__ import annotations

import numpy as np
import pytest

from extractors.embed import WordLlamaEmbedder, _safetensors_matrix

TEXTS = [
    "I gave a ten minute talk in my marketing class",
    "stock shelves",
    "Python (computer programming)",
    "ünïcödé and 日本語 and emoji 🙂",
    "a",
    "word " * 300,
]


@pytest.fixture(scope="module")
def package_model():  # type: ignore[no-untyped-def]
    """WordLlama loaded by its own loader from the bundled files (no download)."""
    from pathlib import Path

    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(
        config="l2_supercat",
        dim=256,
        cache_dir=Path(wordllama.__file__).parent,
        disable_download=True,
    )


def test_vectors_are_exactly_the_packages(package_model) -> None:  # type: ignore[no-untyped-def]
    ours = WordLlamaEmbedder()
    expected = package_model.embed(TEXTS, norm=True, batch_size=256)
    assert np.array_equal(ours.embed(TEXTS), expected)
    assert np.array_equal(ours.embed(TEXTS, batch_size=2), expected)  # padding changes nothing
    assert ours.embed([]).shape == (0, 256)


def test_token_vectors_average_to_the_text_vector() -> None:
    ours = WordLlamaEmbedder()
    for text in TEXTS:
        vectors, spans = ours.token_vectors(text)
        assert vectors.dtype == np.float32 and len(vectors) == len(spans)
        mean = vectors.sum(axis=0)
        assert np.allclose(mean / np.linalg.norm(mean), ours.embed([text])[0], atol=1e-5)


def test_truncated_dimensions_are_a_prefix() -> None:
    full, short = WordLlamaEmbedder(), WordLlamaEmbedder(dim=64)
    assert short.dim == 64 and short.name.endswith("-64")
    vectors, _ = short.token_vectors("organise a fundraiser")
    assert np.array_equal(vectors, full.token_vectors("organise a fundraiser")[0][:, :64])


def test_the_weights_reader_checks_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "w.safetensors"
    header = b'{"embedding.weight":{"dtype":"F16","shape":[4,2],"data_offsets":[0,16]}}'
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 16)
    assert _safetensors_matrix(path, "embedding.weight").shape == (4, 2)
    path.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 8)
    with pytest.raises(ValueError):
        _safetensors_matrix(path, "embedding.weight")
    with pytest.raises(KeyError):
        _safetensors_matrix(path, "other")

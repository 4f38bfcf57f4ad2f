"""MNIST and CIFAR-10 from local files (`data.load_images`), in their real formats: IDX
with LeCun's magic numbers (gzipped and not), Keras' mnist.npz, CIFAR-10's pickled python
batches. Every damaged file is one line naming the file and what is wrong."""
import gzip
import os
import pickle

import ml_collections
import numpy as np
import pytest

from fourier_nn import configs, data
from fourier_nn.experiments import common


def _idx(arr: np.ndarray, magic: int) -> bytes:
  head = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
  return head + arr.astype(np.uint8).tobytes()


def _mnist_arrays(n=12, seed=0):
  rng = np.random.default_rng(seed)
  return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
          (rng.permutation(n) % 10).astype(np.uint8))  # every class once in 10


def _write_idx(d, images, labels, gz):
  ext = ".gz" if gz else ""
  op = gzip.open if gz else open
  with op(os.path.join(d, "train-images-idx3-ubyte" + ext), "wb") as f:
    f.write(_idx(images, 2051))
  with op(os.path.join(d, "train-labels-idx1-ubyte" + ext), "wb") as f:
    f.write(_idx(labels, 2049))


def _cifar_batches(root, n=4, seed=0):
  """Five batches as the real ones: dict with b'data' uint8 [n, 3072] (R, G, B planes of
  32×32, row-major) and b'labels' a list of ints."""
  rng = np.random.default_rng(seed)
  os.makedirs(root, exist_ok=True)
  images, labels = [], []
  for i in range(1, 6):
    img = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)  # HWC
    lab = [int(v) for v in rng.integers(0, 10, n)]
    planes = img.transpose(0, 3, 1, 2).reshape(n, 3072)
    with open(os.path.join(root, f"data_batch_{i}"), "wb") as f:
      pickle.dump({b"batch_label": b"training batch", b"labels": lab, b"data": planes,
                   b"filenames": [b"x.png"] * n}, f, protocol=2)
    images.append(img)
    labels += lab
  return np.concatenate(images), np.asarray(labels)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_loads_scaled_in_file_order_and_selects_classes(tmp_path, gz):
  images, labels = _mnist_arrays()
  _write_idx(tmp_path, images, labels, gz)
  x, lab = data.load_images("mnist", str(tmp_path))
  assert x.dtype == np.float32 and x.shape == (12, 784)
  np.testing.assert_array_equal(lab, labels)
  np.testing.assert_allclose(x, images.reshape(12, -1) / 255.0, rtol=0, atol=1e-7)
  xi, _ = data.load_images("mnist", str(tmp_path), flatten=False)
  assert xi.shape == (12, 28, 28, 1) and 0.0 <= xi.min() and xi.max() <= 1.0
  keep = np.isin(labels, (3, 8))
  x38, l38 = data.load_images("mnist", str(tmp_path), classes=(3, 8))
  np.testing.assert_array_equal(l38, labels[keep])
  np.testing.assert_allclose(x38, images[keep].reshape(keep.sum(), -1) / 255.0, atol=1e-7)


def test_mnist_npz_as_keras_ships_it(tmp_path):
  images, labels = _mnist_arrays(seed=1)
  np.savez(tmp_path / "mnist.npz", x_train=images, y_train=labels,
           x_test=images[:2], y_test=labels[:2])
  x, lab = data.load_images("mnist", str(tmp_path), flatten=False)
  np.testing.assert_array_equal(lab, labels)
  np.testing.assert_allclose(x[..., 0], images / 255.0, atol=1e-7)


@pytest.mark.parametrize("sub", [True, False])
def test_cifar10_batches_load_as_hwc_images(tmp_path, sub):
  root = tmp_path / "cifar-10-batches-py" if sub else tmp_path
  images, labels = _cifar_batches(str(root))
  x, lab = data.load_images("cifar10", str(tmp_path), flatten=False)
  assert x.shape == (20, 32, 32, 3) and x.dtype == np.float32
  np.testing.assert_array_equal(lab, labels)
  np.testing.assert_allclose(x, images / 255.0, atol=1e-7)
  # the red plane of the first image is the first 1024 bytes of the first row
  with open(root / "data_batch_1", "rb") as f:
    raw = pickle.load(f, encoding="bytes")[b"data"]
  np.testing.assert_allclose(x[0, :, :, 0].ravel(), raw[0, :1024] / 255.0, atol=1e-7)
  xf, _ = data.load_images("cifar10", str(tmp_path), classes=(1, 2))
  keep = np.isin(labels, (1, 2))
  np.testing.assert_allclose(xf, images[keep].reshape(keep.sum(), -1) / 255.0, atol=1e-7)


def _one_line(excinfo, *needles):
  msg = str(excinfo.value)
  assert "\n" not in msg
  for n in needles:
    assert n in msg, msg
  return msg


def test_missing_files_name_what_is_needed(tmp_path):
  with pytest.raises(FileNotFoundError) as e:
    data.load_images("mnist", str(tmp_path))
  _one_line(e, "train-images-idx3-ubyte", "no such file", "mnist.npz")
  with pytest.raises(FileNotFoundError) as e:
    data.load_images("mnist", str(tmp_path / "nope"))
  _one_line(e, "nope", "not a directory")
  _cifar_batches(str(tmp_path / "c"))
  os.remove(tmp_path / "c" / "data_batch_4")
  with pytest.raises(FileNotFoundError) as e:
    data.load_images("cifar10", str(tmp_path / "c"))
  _one_line(e, "data_batch_4", "no such file")
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", None)
  _one_line(e, "data_dir")
  with pytest.raises(ValueError) as e:
    data.load_images("imagenet", str(tmp_path))
  _one_line(e, "imagenet", "digits")


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_and_bad_magic_idx(tmp_path, gz):
  images, labels = _mnist_arrays(n=60)
  img = _idx(images, 2051)
  lab = _idx(labels, 2049)
  name = "train-images-idx3-ubyte" + (".gz" if gz else "")
  pack = gzip.compress if gz else (lambda b: b)
  (tmp_path / ("train-labels-idx1-ubyte" + (".gz" if gz else ""))).write_bytes(pack(lab))
  path = tmp_path / name
  path.write_bytes(pack(img[:16 + 12 * 784 + 5]))  # 12 whole images and a bit
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(tmp_path))
  _one_line(e, str(path), "truncated: header says 60 images of 28×28, file holds 12")
  path.write_bytes(pack(img[:10]))
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(tmp_path))
  _one_line(e, str(path), "truncated", "header")
  path.write_bytes(pack(_idx(images, 2049)))  # a labels magic on an images file
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(tmp_path))
  _one_line(e, str(path), "bad magic number 0x00000801", "0x00000803")
  path.write_bytes(pack(img + b"\0"))
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(tmp_path))
  _one_line(e, str(path), "malformed", "1 bytes more")
  if gz:
    path.write_bytes(gzip.compress(img)[:-20])
    with pytest.raises(ValueError) as e:
      data.load_images("mnist", str(tmp_path))
    _one_line(e, str(path), "gzip")
    path.write_bytes(img)  # not gzipped at all
    with pytest.raises(ValueError) as e:
      data.load_images("mnist", str(tmp_path))
    _one_line(e, str(path), "not a valid gzip file")


def test_label_count_mismatch_and_bad_npz(tmp_path):
  images, labels = _mnist_arrays()
  _write_idx(tmp_path, images, labels[:-1], gz=False)
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(tmp_path))
  _one_line(e, "train-labels-idx1-ubyte", "11 labels for the 12 images")
  d = tmp_path / "npz"
  d.mkdir()
  np.savez(d / "mnist.npz", images=images)
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(d))
  _one_line(e, "mnist.npz", "'x_train'")
  (d / "mnist.npz").write_bytes(b"PK\x03\x04 not really")
  with pytest.raises(ValueError) as e:
    data.load_images("mnist", str(d))
  _one_line(e, "mnist.npz", "not a readable .npz")


def test_wrong_truncated_and_hostile_cifar_pickles(tmp_path):
  _cifar_batches(str(tmp_path))
  path = tmp_path / "data_batch_2"
  good = path.read_bytes()
  path.write_bytes(good[: len(good) // 2])
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", str(tmp_path))
  _one_line(e, str(path), "truncated")
  with open(path, "wb") as f:
    pickle.dump({b"images": np.zeros((2, 3072), np.uint8)}, f)
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", str(tmp_path))
  _one_line(e, str(path), "b'data'")
  with open(path, "wb") as f:
    pickle.dump([1, 2, 3], f)
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", str(tmp_path))
  _one_line(e, str(path), "not a dict")
  with open(path, "wb") as f:
    pickle.dump({b"data": np.zeros((2, 1024), np.uint8), b"labels": [0, 1]}, f)
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", str(tmp_path))
  _one_line(e, str(path), "expected uint8 [N, 3072]")
  with open(path, "wb") as f:
    pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, f)
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", str(tmp_path))
  _one_line(e, str(path), "b'labels' for 2 images")
  with open(path, "wb") as f:
    pickle.dump({b"data": os.system}, f)  # a pickle that would import a callable
  with pytest.raises(ValueError) as e:
    data.load_images("cifar10", str(tmp_path))
  _one_line(e, str(path), "refuses the global")


def test_check_dataset_config_convention(tmp_path):
  cfg = ml_collections.ConfigDict()
  configs.add_real_data(cfg)
  assert cfg.dataset == "digits" and cfg.data_dir is None
  assert common.check_dataset(cfg) == []
  cfg.data_dir = str(tmp_path / "typo")
  with pytest.raises(ValueError, match=r"--config.data_dir=.*typo.* is not a directory"):
    common.check_dataset(cfg)  # even though digits does not read it
  cfg.data_dir = None
  cfg.dataset = "svhn"
  with pytest.raises(ValueError, match=r"--config.dataset='svhn' is invalid: choose one of"):
    common.check_dataset(cfg)
  cfg.dataset = "mnist"
  with pytest.raises(ValueError, match=r"--config.data_dir=None is invalid: .*set it"):
    common.check_dataset(cfg)
  cfg.data_dir = str(tmp_path / "absent")
  with pytest.raises(ValueError, match=r"--config.data_dir=.*absent.* is not a directory"):
    common.check_dataset(cfg)
  cfg.data_dir = str(tmp_path)
  with pytest.raises(ValueError, match=r"data_dir=.* is invalid: .*train-images-idx3-ubyte"):
    common.check_dataset(cfg)
  _write_idx(tmp_path, *_mnist_arrays(), gz=True)
  assert [os.path.basename(p) for p in common.check_dataset(cfg)] == [
      "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]

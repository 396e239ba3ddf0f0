// typenet/io/npz.hpp: Npz, the reader of NumPy's .npz archives (numpy.savez, savez_compressed): a zip of .npy arrays, checked whole.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace typenet::io {

/// A NumPy .npz archive: what `numpy.savez` and `numpy.savez_compressed` write, a zip file with
/// one .npy file per array (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
/// `open` reads and checks it whole: the zip's central directory (members stored or deflated,
/// not encrypted, no more than 65,535 of them; zip64 sizes and offsets read), each member's
/// local header, its CRC-32, and each .npy header (versions 1 to 3: the dict of `descr`,
/// `fortran_order` and `shape`), its data exactly as long as the shape and dtype need. Every
/// fault throws Error naming the file (and the array) and what is wrong; an inflated size is
/// allocated only when the compressed data can hold it.
class Npz {
 public:
  /// One array: its name (the member's, without ".npy"), NumPy's dtype string ("<f4"), its
  /// shape, whether it is in Fortran order, and its bytes as stored.
  struct Array {
    std::string name;
    std::string dtype;
    std::vector<std::size_t> shape;
    bool fortran_order = false;
    std::vector<unsigned char> data;

    std::size_t elements() const;
  };

  static Npz open(const std::string& path);
  /// The same on the bytes of an archive in memory; messages name it `name`.
  static Npz parse(std::span<const unsigned char> bytes, const std::string& name);

  const std::string& name() const { return name_; }
  /// The arrays, in the order of the archive's central directory (numpy.savez's order).
  const std::vector<Array>& arrays() const { return arrays_; }
  /// The array called `name` (without ".npy"), or nullptr.
  const Array* find(std::string_view name) const;

  /// Converts `array` into `out`, which must hold exactly its element count: little-endian
  /// float16, float32 or float64 ("<f2", "<f4", "<f8"; "|" or "=" as numpy spells one byte or
  /// the native order on this little-endian host), in C order. Throws Error, with `out`
  /// unchanged, for Fortran order (save `numpy.ascontiguousarray(a)` instead), big-endian or
  /// integer data, a wrong size, or a finite float64 too large for float.
  void read(const Array& array, std::span<float> out) const;
  void read(const Array& array, std::span<double> out) const;

 private:
  template <class S>
  void read_values(const Array& array, std::span<S> out) const;

  std::string name_;
  std::vector<Array> arrays_;
};

}  // namespace typenet::io

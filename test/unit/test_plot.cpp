// SVG pictures: training curves and confusion matrices, read back through a strict XML parser.
#define BOOST_TEST_MODULE plot
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <typenet/core/error.hpp>
#include <typenet/train/plot.hpp>

namespace tn = typenet;
namespace tt = boost::test_tools;
namespace fs = std::filesystem;

namespace {

// ---- a strict XML 1.0 reader: enough of the grammar for what typenet writes, rejecting the rest --

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;  // entity references decoded
  std::vector<Element> children;
  std::string text;  // character data directly inside, decoded

  std::string attribute(const std::string& key) const {
    const auto it = attributes.find(key);
    if (it == attributes.end()) throw std::runtime_error("<" + name + "> has no attribute " + key);
    return it->second;
  }
  bool has(const std::string& key) const { return attributes.count(key) != 0; }

  /// Every element below this one (depth first) called `tag`.
  void collect(std::string_view tag, std::vector<const Element*>& out) const {
    for (const Element& child : children) {
      if (child.name == tag) out.push_back(&child);
      child.collect(tag, out);
    }
  }
  std::vector<const Element*> all(std::string_view tag) const {
    std::vector<const Element*> out;
    collect(tag, out);
    return out;
  }
  /// The element with this id ("" when none, or throws if two share it).
  const Element* by_id(const std::string& id) const {
    const Element* found = nullptr;
    walk([&](const Element& e) {
      if (e.has("id") && e.attribute("id") == id) {
        if (found) throw std::runtime_error("two elements with id " + id);
        found = &e;
      }
    });
    return found;
  }
  template <class F>
  void walk(F&& f) const {
    f(*this);
    for (const Element& child : children) child.walk(f);
  }
};

class XmlReader {
 public:
  explicit XmlReader(std::string_view text) : s_(text) {}

  /// The document's root element; throws std::runtime_error naming the offset of the first fault.
  Element document() {
    if (s_.starts_with("<?xml")) {
      const std::size_t end = s_.find("?>");
      if (end == std::string_view::npos) fail("unterminated XML declaration");
      at_ = end + 2;
    }
    misc();
    if (at_ >= s_.size() || s_[at_] != '<') fail("no root element");
    Element root = element();
    misc();
    if (at_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("XML: " + what + " at byte " + std::to_string(at_));
  }
  bool next_is(std::string_view token) const { return s_.substr(at_).starts_with(token); }
  void expect(char c) {
    if (at_ >= s_.size() || s_[at_] != c) fail(std::string("expected '") + c + "'");
    ++at_;
  }
  static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  void skip_space() {
    while (at_ < s_.size() && space(s_[at_])) ++at_;
  }
  /// Whitespace and comments, outside the root.
  void misc() {
    for (;;) {
      skip_space();
      if (next_is("<!--")) comment();
      else return;
    }
  }
  void comment() {
    const std::size_t end = s_.find("-->", at_ + 4);
    if (end == std::string_view::npos) fail("unterminated comment");
    if (s_.substr(at_ + 4, end - at_ - 4).find("--") != std::string_view::npos) fail("'--' inside a comment");
    at_ = end + 3;
  }
  static bool name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (unsigned char)c >= 0x80;
  }
  static bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }
  std::string name() {
    if (at_ >= s_.size() || !name_start(s_[at_])) fail("expected a name");
    const std::size_t start = at_;
    while (at_ < s_.size() && name_char(s_[at_])) ++at_;
    return std::string(s_.substr(start, at_ - start));
  }
  /// An entity or character reference, after its '&'.
  std::string reference() {
    const std::size_t end = s_.find(';', at_);
    if (end == std::string_view::npos || end - at_ > 10) fail("'&' not starting a reference");
    const std::string_view body = s_.substr(at_, end - at_);
    at_ = end + 1;
    if (body == "amp") return "&";
    if (body == "lt") return "<";
    if (body == "gt") return ">";
    if (body == "quot") return "\"";
    if (body == "apos") return "'";
    if (body.starts_with('#')) {
      unsigned long code = 0;
      const bool hex = body.size() > 1 && body[1] == 'x';
      const std::string_view digits = body.substr(hex ? 2 : 1);
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
      if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size()) fail("bad character reference");
      if (code == 0 || code > 0x10FFFF || (code < 0x20 && code != 9 && code != 10 && code != 13)) fail("character reference to a non-character");
      if (code < 0x80) return std::string(1, char(code));
      return "?";  // the tests never look at these
    }
    fail("unknown entity &" + std::string(body) + ";");
  }
  /// Character data up to the next '<', checked: no ']]>', control characters, or bad UTF-8.
  std::string character_data(char quote = 0) {
    std::string out;
    while (at_ < s_.size()) {
      const char c = s_[at_];
      if (quote && c == quote) break;
      if (c == '<') {
        if (quote) fail("'<' in an attribute value");
        break;
      }
      if (c == '&') {
        ++at_;
        out += reference();
        continue;
      }
      if (!quote && next_is("]]>")) fail("']]>' in text");
      const unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 && !space(c)) fail("control character");
      if (u >= 0x80) {
        const std::size_t length = u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC2 ? 2 : 0;
        if (length == 0 || at_ + length > s_.size()) fail("bad UTF-8");
        for (std::size_t k = 1; k < length; ++k)
          if ((static_cast<unsigned char>(s_[at_ + k]) & 0xC0) != 0x80) fail("bad UTF-8");
        out.append(s_.substr(at_, length));
        at_ += length;
        continue;
      }
      out += c;
      ++at_;
    }
    return out;
  }
  Element element() {
    expect('<');
    Element e;
    e.name = name();
    for (;;) {
      const bool had_space = at_ < s_.size() && space(s_[at_]);
      skip_space();
      if (at_ >= s_.size()) fail("unterminated start tag <" + e.name + ">");
      if (next_is("/>")) {
        at_ += 2;
        return e;
      }
      if (s_[at_] == '>') {
        ++at_;
        break;
      }
      if (!had_space) fail("attributes must be separated by whitespace");
      const std::string key = name();
      skip_space();
      expect('=');
      skip_space();
      if (at_ >= s_.size() || (s_[at_] != '"' && s_[at_] != '\'')) fail("attribute " + key + " is not quoted");
      const char quote = s_[at_++];
      std::string value = character_data(quote);
      expect(quote);
      if (!e.attributes.emplace(key, std::move(value)).second) fail("attribute " + key + " given twice");
    }
    for (;;) {
      e.text += character_data();
      if (at_ >= s_.size()) fail("<" + e.name + "> is never closed");
      if (next_is("</")) {
        at_ += 2;
        const std::string closing = name();
        if (closing != e.name) fail("</" + closing + "> closes <" + e.name + ">");
        skip_space();
        expect('>');
        return e;
      }
      if (next_is("<!--")) comment();
      else if (next_is("<![CDATA[") || next_is("<!") || next_is("<?")) fail("unexpected markup");
      else e.children.push_back(element());
    }
  }

  std::string_view s_;
  std::size_t at_ = 0;
};

Element parse(std::string_view text) { return XmlReader(text).document(); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Element parse_file(const fs::path& path) {
  BOOST_TEST_REQUIRE(fs::exists(path));
  return parse(read_file(path));
}

/// A comma-separated list of numbers.
std::vector<double> numbers(const std::string& list) {
  std::vector<double> out;
  std::size_t at = 0;
  while (at <= list.size() && !list.empty()) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    double v = 0;
    const auto r = std::from_chars(list.data() + at, list.data() + comma, v);
    if (r.ec != std::errc() || r.ptr != list.data() + comma) throw std::runtime_error("not a number list: " + list);
    out.push_back(v);
    at = comma + 1;
  }
  return out;
}

/// The number of "x,y" pairs in a points attribute, checking each is two numbers.
std::size_t point_count(const std::string& points) {
  std::istringstream in(points);
  std::string pair;
  std::size_t n = 0;
  while (in >> pair) {
    BOOST_TEST(numbers(pair).size() == 2u);
    ++n;
  }
  return n;
}

/// A fresh directory for one test, removed afterwards.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("typenet_plot_" + std::to_string(::getpid()) + "_" +
                                              boost::unit_test::framework::current_test_case().p_name.get());
  Scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
    return n;
  }
};

tn::History made_up(std::size_t epochs, bool validation) {
  tn::History h;
  for (std::size_t e = 1; e <= epochs; ++e) {
    tn::EpochLog log;
    log.epoch = e;
    log.loss = 1.0 / double(e) + 0.1;
    log.accuracy = 0.5 + 0.4 * (1 - 1.0 / double(e));
    if (validation) {
      log.val_loss = log.loss * 1.2;
      log.val_accuracy = *log.accuracy - 0.05;
    }
    log.seconds = 2.5;
    h.epochs.push_back(log);
  }
  return h;
}

void check_series(const Element& svg, const std::string& id, const std::vector<double>& epochs,
                  const std::vector<double>& values) {
  BOOST_TEST_CONTEXT("series " << id) {
    const Element* line = svg.by_id(id);
    BOOST_TEST_REQUIRE(line != nullptr);
    BOOST_TEST(line->name == "polyline");
    BOOST_TEST(point_count(line->attribute("points")) == values.size());
    BOOST_TEST(numbers(line->attribute("data-epochs")) == epochs, tt::per_element());
    BOOST_TEST(numbers(line->attribute("data-values")) == values, tt::per_element());  // exact: shortest round trip
  }
}

}  // namespace

// ---- the checker itself must be able to fail -------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_xml_checker_rejects_malformed_documents) {
  BOOST_CHECK_NO_THROW(parse("<?xml version=\"1.0\"?>\n<svg a=\"1\" b='2'><g><t>x &amp; &lt;y&gt; &#65;</t></g><!-- c --></svg>\n"));
  const Element e = parse("<svg a=\"&quot;q&quot;\"><t>x &amp; y</t></svg>");
  BOOST_TEST(e.attribute("a") == "\"q\"");
  BOOST_TEST(e.children.at(0).text == "x & y");
  for (const char* bad : {"<svg><g></svg>", "<svg><g></g>", "<svg a=1/>", "<svg a=\"1\"a=\"2\"/>",
                          "<svg a=\"1\" a=\"2\"/>", "<svg>&bogus;</svg>", "<svg>a & b</svg>", "<svg>a < b</svg>",
                          "<svg a=\"<\"/>", "<svg/><svg/>", "text<svg/>", "<svg>\x01</svg>", "<svg>\xff</svg>",
                          "<svg><!-- a -- b --></svg>", "<svg></SVG>", "", "<svg>]]></svg>", "<svg>&#0;</svg>"}) {
    BOOST_TEST_CONTEXT("document " << bad) { BOOST_CHECK_THROW(parse(bad), std::runtime_error); }
  }
}

// ---- training curves ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(training_curves_with_validation) {
  const Scratch scratch;
  const tn::History history = made_up(7, true);
  const fs::path path = scratch.dir / "curves.svg";
  tn::write_training_curves_svg(path.string(), history);
  const Element svg = parse_file(path);
  BOOST_TEST(svg.name == "svg");
  BOOST_TEST(svg.attribute("xmlns") == "http://www.w3.org/2000/svg");
  std::vector<double> epochs, loss, accuracy, val_loss, val_accuracy;
  for (const tn::EpochLog& log : history.epochs) {
    epochs.push_back(double(log.epoch));
    loss.push_back(log.loss);
    accuracy.push_back(*log.accuracy);
    val_loss.push_back(*log.val_loss);
    val_accuracy.push_back(*log.val_accuracy);
  }
  check_series(svg, "loss", epochs, loss);
  check_series(svg, "val_loss", epochs, val_loss);
  check_series(svg, "accuracy", epochs, accuracy);
  check_series(svg, "val_accuracy", epochs, val_accuracy);
  BOOST_TEST(svg.all("polyline").size() == 4u);
  BOOST_TEST(svg.all("circle").size() == 4 * 7u);  // a marker per point
  // Title, axis labels, tick labels and legend entries are text.
  std::string all_text;
  for (const Element* t : svg.all("text")) all_text += t->text + "|";
  BOOST_TEST(all_text.find("Training history: 7 epochs|") != std::string::npos);
  BOOST_TEST(all_text.find("|Loss|") != std::string::npos);
  BOOST_TEST(all_text.find("|Accuracy|") != std::string::npos);
  BOOST_TEST(all_text.find("|epoch|") != std::string::npos);
  BOOST_TEST(all_text.find("|training|validation|") != std::string::npos);
  BOOST_TEST(all_text.find("|7|") != std::string::npos);  // the last epoch's tick
  BOOST_TEST(scratch.entries() == 1u);                    // no temporary file left behind
}

BOOST_AUTO_TEST_CASE(training_curves_without_validation_or_with_some) {
  const Scratch scratch;
  tn::History history = made_up(3, false);
  const fs::path path = scratch.dir / "curves.svg";
  tn::write_training_curves_svg(path.string(), history);
  Element svg = parse_file(path);
  check_series(svg, "loss", {1, 2, 3}, {history.epochs[0].loss, history.epochs[1].loss, history.epochs[2].loss});
  BOOST_TEST(svg.by_id("val_loss") == nullptr);
  BOOST_TEST(svg.by_id("val_accuracy") == nullptr);
  BOOST_TEST(svg.all("polyline").size() == 2u);
  std::string all_text;
  for (const Element* t : svg.all("text")) all_text += t->text + "|";
  BOOST_TEST(all_text.find("validation") == std::string::npos);  // no legend entry for a missing series

  // Validation on some epochs only: its series has those points; the file is replaced.
  history.epochs[1].val_loss = 0.9;
  history.epochs[2].val_loss = 0.8;
  history.epochs[2].val_accuracy = 0.75;
  tn::write_training_curves_svg(path.string(), history);
  svg = parse_file(path);
  check_series(svg, "val_loss", {2, 3}, {0.9, 0.8});
  check_series(svg, "val_accuracy", {3}, {0.75});
  BOOST_TEST(scratch.entries() == 1u);
}

BOOST_AUTO_TEST_CASE(training_curves_of_one_epoch_none_or_non_finite_values) {
  const Scratch scratch;
  const fs::path path = scratch.dir / "curves.svg";
  tn::write_training_curves_svg(path.string(), made_up(1, true));
  Element svg = parse_file(path);
  check_series(svg, "loss", {1}, {1.1});
  BOOST_TEST(svg.all("circle").size() == 4u);

  tn::write_training_curves_svg(path.string(), tn::History{});
  svg = parse_file(path);
  BOOST_TEST(svg.all("polyline").empty());

  tn::History odd = made_up(3, false);
  odd.epochs[1].loss = std::nan("");
  tn::write_training_curves_svg(path.string(), odd);
  svg = parse_file(path);
  check_series(svg, "loss", {1, 3}, {odd.epochs[0].loss, odd.epochs[2].loss});
}

// ---- confusion matrix -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(confusion_matrix_heat_map) {
  const Scratch scratch;
  tn::ConfusionMatrix m(3);
  m.add(0, 0, 50);
  m.add(0, 2, 3);
  m.add(1, 1, 40);
  m.add(2, 1, 7);
  m.add(2, 2, 45);
  const fs::path path = scratch.dir / "confusion.svg";
  const std::string_view names[] = {"cat & dog", "<bird>", "fish \"q\""};
  tn::write_confusion_matrix_svg(path.string(), m, names);
  const Element svg = parse_file(path);

  std::vector<const Element*> cells;
  for (const Element* r : svg.all("rect"))
    if (r->has("class") && r->attribute("class") == "cell") cells.push_back(r);
  BOOST_TEST_REQUIRE(cells.size() == 9u);
  std::map<std::string, int> fills;
  for (const Element* cell : cells) {
    const std::size_t t = std::stoul(cell->attribute("data-true")), p = std::stoul(cell->attribute("data-predicted"));
    BOOST_TEST(std::stoull(cell->attribute("data-count")) == m.count(t, p));
    BOOST_TEST(cell->attribute("fill").size() == 7u);
    ++fills[cell->attribute("fill")];
  }
  BOOST_TEST(fills.size() == 6u);  // five distinct counts and zero: one colour each
  // The counts are written as text; the names are escaped in the file and read back whole.
  std::vector<std::string> counts;
  for (const Element* t : svg.all("text"))
    if (t->has("class") && t->attribute("class") == "count") counts.push_back(t->text);
  BOOST_TEST(counts == (std::vector<std::string>{"50", "0", "3", "0", "40", "0", "0", "7", "45"}), tt::per_element());
  std::string all_text;
  for (const Element* t : svg.all("text")) all_text += t->text + "|";
  for (const std::string_view name : names) {
    std::string label(1, '|');  // (not "|" + std::string(name): g++ 12 warns wrongly on that, -Wrestrict)
    label.append(name).push_back('|');
    BOOST_TEST(all_text.find(label) != std::string::npos);
  }
  BOOST_TEST(all_text.find("true class") != std::string::npos);
  BOOST_TEST(all_text.find("predicted class") != std::string::npos);
  BOOST_TEST(all_text.find("145 samples, accuracy 93.10 %") != std::string::npos);
  const std::string raw = read_file(path);
  BOOST_TEST(raw.find("cat &amp; dog") != std::string::npos);
  BOOST_TEST(raw.find("&lt;bird&gt;") != std::string::npos);
  BOOST_TEST(scratch.entries() == 1u);
}

BOOST_AUTO_TEST_CASE(confusion_matrix_numbers_classes_and_survives_odd_names) {
  const Scratch scratch;
  tn::ConfusionMatrix m(12);
  for (std::size_t c = 0; c < 12; ++c) m.add(c, (c * 5) % 12, c + 1);
  const fs::path path = scratch.dir / "confusion.svg";
  tn::write_confusion_matrix_svg(path.string(), m);
  Element svg = parse_file(path);
  std::size_t cells = 0;
  for (const Element* r : svg.all("rect")) cells += r->has("class") && r->attribute("class") == "cell";
  BOOST_TEST(cells == 144u);
  std::string all_text;
  for (const Element* t : svg.all("text")) all_text += t->text + "|";
  BOOST_TEST(all_text.find("|11|") != std::string::npos);

  // Control characters and bytes that are not UTF-8 still give a well-formed file.
  tn::ConfusionMatrix two(2);
  const std::string_view odd[] = {std::string_view("a\x01z\xff", 4), "\xc3\xa9t\xc3\xa9 \xe2\x82\xac"};
  tn::write_confusion_matrix_svg(path.string(), two, odd);
  svg = parse_file(path);
  all_text.clear();
  for (const Element* t : svg.all("text")) all_text += t->text + "|";
  BOOST_TEST(all_text.find("|\xc3\xa9t\xc3\xa9 \xe2\x82\xac|") != std::string::npos);  // valid UTF-8 kept as is
  BOOST_TEST(all_text.find("|a\xef\xbf\xbdz\xef\xbf\xbd|") != std::string::npos);       // the rest replaced
}

// ---- failures ----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_failed_write_names_the_path_and_leaves_the_old_file) {
  const Scratch scratch;
  const std::string missing = (scratch.dir / "no" / "such" / "dir" / "curves.svg").string();
  try {
    tn::write_training_curves_svg(missing, made_up(2, false));
    BOOST_FAIL("no error");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()).starts_with(missing + ": cannot write"));
  }
  // A directory in the way: refused, and untouched.
  const fs::path directory = scratch.dir / "taken.svg";
  fs::create_directory(directory);
  BOOST_CHECK_THROW(tn::write_confusion_matrix_svg(directory.string(), tn::ConfusionMatrix(2)), tn::Error);
  BOOST_TEST(fs::is_directory(directory));
  // Wrongly sized names: an Error, and the previous file is still whole.
  const fs::path path = scratch.dir / "confusion.svg";
  tn::write_confusion_matrix_svg(path.string(), tn::ConfusionMatrix(2));
  const std::string before = read_file(path);
  const std::string_view names[] = {"one", "two", "three"};
  try {
    tn::write_confusion_matrix_svg(path.string(), tn::ConfusionMatrix(2), names);
    BOOST_FAIL("no error");
  } catch (const tn::Error& e) {
    BOOST_TEST(std::string(e.what()) == path.string() + ": cannot write the confusion matrix: 3 class names for 2 classes");
  }
  BOOST_TEST(read_file(path) == before);
  BOOST_TEST(scratch.entries() == 2u);  // the directory and the file: no temporary left
}

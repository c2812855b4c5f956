// EscapeMarkup: the one escape of XML (CAP, Atom) and HTML (the monthly report).
#include "common/text.h"

#include <gtest/gtest.h>

namespace centinela {
namespace {

TEST(EscapeMarkup, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(EscapeMarkup(R"(<a href="x">Tom & Jerry's</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;");
  EXPECT_EQ(EscapeMarkup("Corte de agua en Ñuñoa"), "Corte de agua en Ñuñoa");  // UTF-8 kept
  EXPECT_EQ(EscapeMarkup(""), "");
}

TEST(EscapeMarkup, DropsControlCharactersButKeepsWhitespace) {
  EXPECT_EQ(EscapeMarkup(std::string("a\tb\nc\rd\x01" "e\x1f" "f", 11)), "a\tb\nc\rdef");
}

}  // namespace
}  // namespace centinela

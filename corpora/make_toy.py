"""Write corpora/toy.txt, the bundled corpus: sentences with planted groups of interchangeable words.

Every group's words fill the same slots of the same sentence templates, so they share contexts and word2vec
should place each word nearest to its own group. The groups are also in corpora/toy_groups.yaml (for
`w2v plot-pca --groups` and for the test that checks they were learned). Seeded: the output never changes.
Usage: python corpora/make_toy.py [--sentences N] [--out corpora/toy.txt]
"""
import argparse
import random
from pathlib import Path

GROUPS = {
    "animals": ["cat", "dog", "horse", "rabbit", "fox", "mouse", "cow", "sheep"],
    "foods": ["bread", "cheese", "apple", "rice", "soup", "pasta", "cake", "salad"],
    "drinks": ["coffee", "tea", "juice", "milk", "lemonade", "cocoa"],
    "colours": ["red", "blue", "green", "yellow", "purple", "orange", "white", "black"],
    "praise": ["great", "cool", "brilliant", "wonderful", "amazing", "sweet", "enjoyable", "excellent"],
    "complaints": ["boring", "bad", "dumb", "annoying", "awful", "dull", "terrible", "tedious"],
    "weather": ["rain", "snow", "hail", "fog", "wind", "sleet"],
    "royals": ["king", "queen", "prince", "princess"],
    "people": ["man", "woman", "boy", "girl", "male", "female"],
}

TEMPLATES = [  # {group} slots; each template fills each slot with a random member of that group
    "the {animals} sat near the {colours} fence",
    "a {animals} ran across the field in the {weather}",
    "my {animals} sleeps all day and eats {foods}",
    "the farmer fed the {animals} before the {weather} came",
    "we ate {foods} with a cup of {drinks}",
    "she cooked {foods} for the {people} next door",
    "a bowl of {foods} is {praise} on a cold day",
    "he would rather have {foods} than nothing",
    "a hot {drinks} in the morning is {praise}",
    "they poured {drinks} into a {colours} mug",
    "the cafe sells {drinks} and {foods}",
    "she painted the door {colours} last spring",
    "his {colours} coat was covered in {weather}",
    "the {colours} car stopped at the corner",
    "the film was {praise} and the actors were {praise}",
    "what a {praise} story , truly {praise}",
    "critics called the show {praise}",
    "the film was {complaints} and the plot was {complaints}",
    "what a {complaints} evening , so {complaints}",
    "critics called the show {complaints}",
    "the {weather} fell all night over the town",
    "we stayed inside because of the {weather}",
    "heavy {weather} is expected tomorrow",
    "the {royals} ruled the kingdom for years",
    "the {royals} wore a crown at the feast",
    "the people bowed to the {royals}",
    "the {people} walked to the market",
    "a {people} asked for directions",
    "the {people} smiled at the {animals}",
]


def generate(num_sentences: int, seed: int = 0) -> list[str]:
    """num_sentences sentences, each a random template with random members of its groups."""
    rng = random.Random(seed)
    lines = []
    for _ in range(num_sentences):
        template = rng.choice(TEMPLATES)
        lines.append(_fill(template, rng))
    return lines


def _fill(template: str, rng: random.Random) -> str:
    words = []
    for token in template.split():
        if token.startswith("{") and token.endswith("}"):
            token = rng.choice(GROUPS[token[1:-1]])
        words.append(token)
    return " ".join(words)


def groups_yaml() -> str:
    return "".join(f"{name}: [{', '.join(words)}]\n" for name, words in GROUPS.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--out", default=str(Path(__file__).with_name("toy.txt")))
    args = parser.parse_args()
    out = Path(args.out)
    out.write_text("\n".join(generate(args.sentences)) + "\n", encoding="utf-8")
    out.with_name("toy_groups.yaml").write_text(
        "# the planted groups of corpora/toy.txt (written by make_toy.py)\n" + groups_yaml(), encoding="utf-8"
    )
    print(f"wrote {args.sentences} sentences to {out}")


if __name__ == "__main__":
    main()

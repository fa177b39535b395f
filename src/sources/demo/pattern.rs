//! A small backtracking regex for the demo's `/stats?filter=` and
//! `/config_dump?name_regex=`: literals, `.`, classes (`[a-z]`, `[^|]`,
//! `\d \w \s`), escapes, groups with alternation (`(a|b)`), the quantifiers
//! `* + ? {n} {n,} {n,m}` and the anchors `^ $`. Like Envoy, a pattern matches
//! anywhere in the name unless anchored. A pattern it cannot parse falls back
//! to a plain substring match, so a filter never fails.

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Start,
    End,
    Group(Vec<Vec<Piece>>),
}

#[derive(Debug, Clone)]
struct Piece {
    node: Node,
    min: usize,
    max: usize,
}

/// A compiled filter pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    alts: Option<Vec<Vec<Piece>>>,
    literal: String,
}

impl Pattern {
    /// Compiles `src`; unsupported syntax degrades to a substring match.
    pub fn new(src: &str) -> Self {
        let chars: Vec<char> = src.chars().collect();
        let mut p = Parser { s: &chars, i: 0 };
        let alts = p.alts().filter(|_| p.i == chars.len());
        Pattern {
            alts,
            literal: src.to_string(),
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let Some(alts) = &self.alts else {
            return text.contains(&self.literal);
        };
        let s: Vec<char> = text.chars().collect();
        (0..=s.len()).any(|start| m_alts(alts, &s, start, &|_| true))
    }
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn alts(&mut self) -> Option<Vec<Vec<Piece>>> {
        let mut alts = vec![self.seq()?];
        while self.peek() == Some('|') {
            self.i += 1;
            alts.push(self.seq()?);
        }
        Some(alts)
    }

    fn seq(&mut self) -> Option<Vec<Piece>> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let node = self.atom()?;
            let (min, max) = self.quantifier()?;
            out.push(Piece { node, min, max });
        }
        Some(out)
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                if self.s.get(self.i..self.i + 2) == Some(&['?', ':']) {
                    self.i += 2;
                }
                let alts = self.alts()?;
                (self.peek() == Some(')')).then_some(())?;
                self.i += 1;
                Node::Group(alts)
            }
            '[' => self.class()?,
            '\\' => self.escape()?,
            '*' | '+' | '?' | '{' | ')' => return None,
            c => Node::Char(c),
        })
    }

    fn escape(&mut self) -> Option<Node> {
        let c = self.peek()?;
        self.i += 1;
        let class = |ranges: Vec<(char, char)>, negated| Node::Class { negated, ranges };
        Some(match c {
            'd' => class(vec![('0', '9')], false),
            'D' => class(vec![('0', '9')], true),
            'w' => class(vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
            's' => class(
                vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
                false,
            ),
            c if c.is_ascii_alphanumeric() => return None,
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Option<Node> {
        let negated = self.peek() == Some('^');
        if negated {
            self.i += 1;
        }
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let mut c = self.peek()?;
            self.i += 1;
            if c == ']' && !first {
                return Some(Node::Class { negated, ranges });
            }
            first = false;
            if c == '\\' {
                c = self.peek()?;
                self.i += 1;
            }
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|n| *n != ']') {
                let hi = *self.s.get(self.i + 1)?;
                self.i += 2;
                ranges.push((c, hi));
            } else {
                ranges.push((c, c));
            }
        }
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.s[start..self.i]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn quantifier(&mut self) -> Option<(usize, usize)> {
        let q = match self.peek() {
            Some('*') => (0, usize::MAX),
            Some('+') => (1, usize::MAX),
            Some('?') => (0, 1),
            Some('{') => {
                self.i += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(',') {
                    self.i += 1;
                    if self.peek() == Some('}') {
                        usize::MAX
                    } else {
                        self.number()?
                    }
                } else {
                    min
                };
                (self.peek() == Some('}')).then_some(())?;
                self.i += 1;
                if self.peek() == Some('?') {
                    self.i += 1;
                }
                return Some((min, max));
            }
            _ => return Some((1, 1)),
        };
        self.i += 1;
        if self.peek() == Some('?') {
            self.i += 1; // lazy: treated as greedy
        }
        Some(q)
    }
}

type Cont<'a> = &'a dyn Fn(usize) -> bool;

fn m_alts(alts: &[Vec<Piece>], s: &[char], pos: usize, k: Cont<'_>) -> bool {
    alts.iter().any(|seq| m_seq(seq, s, pos, k))
}

fn m_seq(seq: &[Piece], s: &[char], pos: usize, k: Cont<'_>) -> bool {
    match seq.split_first() {
        None => k(pos),
        Some((p, rest)) => m_piece(p, 0, s, pos, &|np| m_seq(rest, s, np, k)),
    }
}

fn m_piece(p: &Piece, count: usize, s: &[char], pos: usize, k: Cont<'_>) -> bool {
    if count < p.max {
        let more = |np: usize| {
            if np == pos {
                count + 1 >= p.min && k(np)
            } else {
                m_piece(p, count + 1, s, np, k)
            }
        };
        if m_node(&p.node, s, pos, &more) {
            return true;
        }
    }
    count >= p.min && k(pos)
}

fn m_node(node: &Node, s: &[char], pos: usize, k: Cont<'_>) -> bool {
    match node {
        Node::Char(c) => s.get(pos) == Some(c) && k(pos + 1),
        Node::Any => pos < s.len() && k(pos + 1),
        Node::Class { negated, ranges } => {
            s.get(pos)
                .is_some_and(|c| ranges.iter().any(|(lo, hi)| (lo..=hi).contains(&c)) != *negated)
                && k(pos + 1)
        }
        Node::Start => pos == 0 && k(pos),
        Node::End => pos == s.len() && k(pos),
        Node::Group(alts) => m_alts(alts, s, pos, k),
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn matches_like_envoy_filters() {
        let m = |p: &str, t: &str| Pattern::new(p).is_match(t);
        assert!(m(
            "pending_overflow",
            "cluster.x.upstream_rq_pending_overflow"
        ));
        assert!(m(
            "^cluster\\..*_overflow$",
            "cluster.a|b.upstream_cx_overflow"
        ));
        assert!(!m(
            "^cluster\\..*_overflow$",
            "cluster.a.upstream_cx_overflow_x"
        ));
        assert!(m(
            "outbound\\|8000\\|\\|httpbin",
            "outbound|8000||httpbin.default"
        ));
        assert!(m("(inbound|outbound)\\|9080", "inbound|9080||"));
        assert!(m(
            "worker_[0-9]+\\.downstream",
            "listener.x.worker_12.downstream_cx_active"
        ));
        assert!(!m("^a{2}$", "aaa"));
        assert!(m("^a{2,}$", "aaa"));
        assert!(m("x?y*z", "z"));
        assert!(m("[^|]+$", "abc"));
        // Unsupported syntax: substring fallback.
        assert!(m("a(b", "xa(bx"));
        assert!(!m("a(b", "ab"));
    }
}

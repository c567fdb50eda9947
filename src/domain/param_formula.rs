//! DB parameter values as RDS writes them: a literal (`640`), a formula in braces
//! (`{DBInstanceClassMemory/12582880}`), functions of them (`LEAST({...},5000)`, `GREATEST`,
//! `SUM`, `IF`, `log`), and arithmetic. Evaluated for one instance's variables, with RDS's
//! rules: a braced formula truncates to an integer, `log` is log base 2 rounded to the nearest
//! integer (the rule that reproduces Aurora MySQL's published max_connections table).

use std::fmt;

/// What a formula may refer to, for one instance. `None`: not known here (the formula cannot
/// be evaluated, rather than evaluated with a guess).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FormulaVars {
    /// Bytes of memory of the class (RDS subtracts what the OS and its agents reserve: a
    /// formula of it is an estimate).
    pub class_memory_bytes: Option<f64>,
    pub vcpus: Option<f64>,
    pub allocated_storage_bytes: Option<f64>,
    pub port: Option<f64>,
    pub is_replica: bool,
}

/// A value, and whether it depends on the class memory (then only an estimate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluated {
    pub value: i64,
    pub uses_class_memory: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormulaError {
    Syntax {
        at: usize,
        expected: &'static str,
    },
    UnknownVariable(String),
    /// A variable RDS defines whose value dbfleet does not know for this instance.
    MissingVariable(&'static str),
    UnknownFunction(String),
    Arity(&'static str),
    DivisionByZero,
    /// `log` of zero or a negative value, or a result too large for a parameter.
    OutOfRange,
    TooDeep,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormulaError::Syntax { at, expected } => write!(f, "expected {expected} at character {}", at + 1),
            FormulaError::UnknownVariable(v) => write!(f, "unknown variable {v}"),
            FormulaError::MissingVariable(v) => write!(f, "{v} is not known for this instance"),
            FormulaError::UnknownFunction(n) => write!(f, "unknown function {n}"),
            FormulaError::Arity(n) => write!(f, "wrong number of arguments to {n}"),
            FormulaError::DivisionByZero => write!(f, "division by zero"),
            FormulaError::OutOfRange => write!(f, "value out of range"),
            FormulaError::TooDeep => write!(f, "nested too deeply"),
        }
    }
}

/// Nesting deeper than any real parameter value: refuse rather than overflow the stack.
const MAX_DEPTH: usize = 32;
/// Larger than any integer parameter RDS accepts.
const MAX_ABS: f64 = 1e15;

/// Whether a parameter value is computed (a formula or a function), not a plain number.
pub fn is_formula(value: &str) -> bool {
    value.contains('{') || value.contains('(')
}

/// Evaluate a parameter value for one instance.
pub fn evaluate(value: &str, vars: &FormulaVars) -> Result<Evaluated, FormulaError> {
    let mut p = Parser { s: value.as_bytes(), pos: 0, vars, uses_memory: false, depth: 0 };
    let v = p.expr()?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(FormulaError::Syntax { at: p.pos, expected: "the end of the value" });
    }
    let v = checked(v.trunc())?;
    Ok(Evaluated { value: v as i64, uses_class_memory: p.uses_memory })
}

fn checked(v: f64) -> Result<f64, FormulaError> {
    if v.is_finite() && v.abs() <= MAX_ABS { Ok(v) } else { Err(FormulaError::OutOfRange) }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    vars: &'a FormulaVars,
    uses_memory: bool,
    depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8, expected: &'static str) -> Result<(), FormulaError> {
        if self.eat(c) { Ok(()) } else { Err(FormulaError::Syntax { at: self.pos, expected }) }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, FormulaError>) -> Result<T, FormulaError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FormulaError::TooDeep);
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn expr(&mut self) -> Result<f64, FormulaError> {
        self.nested(|p| {
            let mut v = p.term()?;
            loop {
                if p.eat(b'+') {
                    v = checked(v + p.term()?)?;
                } else if p.eat(b'-') {
                    v = checked(v - p.term()?)?;
                } else {
                    return Ok(v);
                }
            }
        })
    }

    fn term(&mut self) -> Result<f64, FormulaError> {
        let mut v = self.factor()?;
        loop {
            if self.eat(b'*') {
                v = checked(v * self.factor()?)?;
            } else if self.eat(b'/') {
                let d = self.factor()?;
                if d == 0.0 {
                    return Err(FormulaError::DivisionByZero);
                }
                v = checked(v / d)?;
            } else {
                return Ok(v);
            }
        }
    }

    fn factor(&mut self) -> Result<f64, FormulaError> {
        self.nested(|p| match p.peek() {
            Some(b'{') => {
                p.pos += 1;
                let v = p.expr()?;
                p.expect(b'}', "'}'")?;
                // A braced formula resolves to an integer.
                Ok(v.trunc())
            }
            Some(b'(') => {
                p.pos += 1;
                let v = p.expr()?;
                p.expect(b')', "')'")?;
                Ok(v)
            }
            Some(b'-') => {
                p.pos += 1;
                Ok(-p.factor()?)
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => p.number(),
            Some(c) if c.is_ascii_alphabetic() => p.name(),
            _ => Err(FormulaError::Syntax { at: p.pos, expected: "a number, a variable, a function or '{'" }),
        })
    }

    fn number(&mut self) -> Result<f64, FormulaError> {
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(|c| c.is_ascii_digit() || *c == b'.') {
            self.pos += 1;
        }
        std::str::from_utf8(&self.s[start..self.pos])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .ok_or(FormulaError::Syntax { at: start, expected: "a number" })
            .and_then(checked)
    }

    fn name(&mut self) -> Result<f64, FormulaError> {
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            self.pos += 1;
        }
        let name = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        if self.eat(b'(') {
            let args = self.args()?;
            return self.call(&name, &args);
        }
        let v = self.vars;
        let known = |x: Option<f64>, n: &'static str| x.ok_or(FormulaError::MissingVariable(n));
        match name.as_str() {
            "DBInstanceClassMemory" => {
                self.uses_memory = true;
                known(v.class_memory_bytes, "DBInstanceClassMemory")
            }
            "DBInstanceVCPU" => known(v.vcpus, "DBInstanceVCPU"),
            "AllocatedStorage" => known(v.allocated_storage_bytes, "AllocatedStorage"),
            "EndPointPort" => known(v.port, "EndPointPort"),
            "TrueIfReplica" => Ok(if v.is_replica { 1.0 } else { 0.0 }),
            _ => Err(FormulaError::UnknownVariable(name)),
        }
    }

    /// Arguments after the opening parenthesis, through the closing one.
    fn args(&mut self) -> Result<Vec<f64>, FormulaError> {
        let mut args = vec![self.expr()?];
        while self.eat(b',') {
            args.push(self.expr()?);
        }
        self.expect(b')', "',' or ')'")?;
        Ok(args)
    }

    fn call(&self, name: &str, args: &[f64]) -> Result<f64, FormulaError> {
        match name.to_ascii_uppercase().as_str() {
            "GREATEST" => Ok(args.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            "LEAST" => Ok(args.iter().copied().fold(f64::INFINITY, f64::min)),
            "SUM" => checked(args.iter().sum()),
            "IF" => match args {
                [cond, yes, no] => Ok(if *cond != 0.0 { *yes } else { *no }),
                _ => Err(FormulaError::Arity("IF")),
            },
            "LOG" => match args {
                [x] if *x > 0.0 => Ok(x.log2().round()),
                [_] => Err(FormulaError::OutOfRange),
                _ => Err(FormulaError::Arity("log")),
            },
            _ => Err(FormulaError::UnknownFunction(name.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn mem(gib: f64) -> FormulaVars {
        FormulaVars { class_memory_bytes: Some(gib * GIB), vcpus: Some(2.0), ..Default::default() }
    }

    fn eval(s: &str, v: &FormulaVars) -> Result<i64, FormulaError> {
        evaluate(s, v).map(|e| e.value)
    }

    #[test]
    fn literals_and_engine_default_formulas() {
        let aurora_mysql = "GREATEST({log(DBInstanceClassMemory/805306368)*45},{log(DBInstanceClassMemory/8187281408)*1000})";
        let pg = "LEAST({DBInstanceClassMemory/9531392},5000)";
        let table: &[(&str, f64, i64)] = &[
            ("640", 16.0, 640),
            (" 640 ", 16.0, 640),
            ("{DBInstanceClassMemory/12582880}", 16.0, 1365),
            ("{DBInstanceClassMemory/12582880}", 1.0, 85),
            (pg, 16.0, 1802),
            (pg, 512.0, 5000),
            // Aurora MySQL's published table, class by class.
            (aurora_mysql, 2.0, 45),
            (aurora_mysql, 4.0, 90),
            (aurora_mysql, 8.0, 135),
            (aurora_mysql, 16.0, 1000),
            (aurora_mysql, 32.0, 2000),
            (aurora_mysql, 64.0, 3000),
            (aurora_mysql, 128.0, 4000),
            (aurora_mysql, 256.0, 5000),
            (aurora_mysql, 384.0, 6000),
            (aurora_mysql, 512.0, 6000),
            (aurora_mysql, 768.0, 7000),
            ("SUM({DBInstanceClassMemory/12582880},100)", 16.0, 1465),
            ("{DBInstanceClassMemory*3/4}", 4.0, 3_221_225_472),
            ("IF(TrueIfReplica,1,0)", 16.0, 0),
            ("{DBInstanceVCPU*100}", 16.0, 200),
            ("LEAST(1000, 2000) + 5", 16.0, 1005),
            ("GREATEST({DBInstanceClassMemory/12582880}, 2000)", 16.0, 2000),
        ];
        for (s, gib, want) in table {
            assert_eq!(eval(s, &mem(*gib)), Ok(*want), "{s} at {gib} GiB");
        }
        assert!(!evaluate("640", &mem(16.0)).unwrap().uses_class_memory);
        assert!(evaluate(pg, &mem(16.0)).unwrap().uses_class_memory);
        assert!(is_formula(pg) && !is_formula("640"));
    }

    #[test]
    fn what_cannot_be_evaluated_says_why() {
        let none = FormulaVars::default();
        assert_eq!(
            eval("{DBInstanceClassMemory/12582880}", &none),
            Err(FormulaError::MissingVariable("DBInstanceClassMemory"))
        );
        assert_eq!(eval("{Foo/2}", &mem(1.0)), Err(FormulaError::UnknownVariable("Foo".into())));
        assert_eq!(eval("MAX(1,2)", &mem(1.0)), Err(FormulaError::UnknownFunction("MAX".into())));
        assert_eq!(eval("{DBInstanceClassMemory/0}", &mem(1.0)), Err(FormulaError::DivisionByZero));
        assert_eq!(eval("log(0)", &mem(1.0)), Err(FormulaError::OutOfRange));
        assert_eq!(eval("IF(1,2)", &mem(1.0)), Err(FormulaError::Arity("IF")));
        assert!(matches!(
            eval("{DBInstanceClassMemory/12582880", &mem(1.0)),
            Err(FormulaError::Syntax { .. })
        ));
        assert!(matches!(eval("640 640", &mem(1.0)), Err(FormulaError::Syntax { .. })));
        assert!(matches!(eval("", &mem(1.0)), Err(FormulaError::Syntax { .. })));
        assert_eq!(eval(&"(".repeat(100), &mem(1.0)), Err(FormulaError::TooDeep));
        assert_eq!(eval("99999999999999999999", &mem(1.0)), Err(FormulaError::OutOfRange));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        #[test]
        fn never_panics_on_any_string(s in ".{0,80}") {
            let _ = evaluate(&s, &mem(16.0));
        }

        #[test]
        fn never_panics_on_formula_like_strings(s in "[{}()0-9*/+,. a-zA-Z-]{0,60}") {
            let _ = evaluate(&s, &mem(16.0));
            let _ = evaluate(&s, &FormulaVars::default());
        }
    }
}

package dev.electra.pipeline.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The report's Markdown as one self-contained HTML page. Only what {@link ReportMarkdown} writes is understood:
 * headings, pipe tables, images, fenced code, bold and paragraphs.
 */
final class ReportHtml {
    private ReportHtml() {}

    /** A self-contained page: the Markdown's tables and text as HTML, the images inlined as data URIs. */
    static String page(String markdown, Map<String, Path> images) throws IOException {
        Map<String, String> inline = new LinkedHashMap<>();
        for (Path p : images.values()) {
            inline.put(p.getFileName().toString(), "data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
        }
        StringBuilder body = new StringBuilder();
        String[] lines = markdown.split("\n", -1);
        boolean inTable = false;
        boolean inCode = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("```")) {
                body.append(inCode ? "</pre>\n" : "<pre>");
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                body.append(escape(line)).append('\n');
                continue;
            }
            if (line.startsWith("|")) {
                if (line.matches("\\|(-+\\|)+")) {
                    continue;
                }
                String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
                String tag = inTable ? "td" : "th";
                body.append(inTable ? "" : "<table>").append("<tr>");
                for (String c : cells) {
                    body.append('<').append(tag).append('>').append(inlineMarkup(c.strip())).append("</")
                            .append(tag).append('>');
                }
                body.append("</tr>\n");
                inTable = true;
                continue;
            }
            if (inTable) {
                body.append("</table>\n");
                inTable = false;
            }
            if (line.startsWith("# ")) {
                body.append("<h1>").append(escape(line.substring(2))).append("</h1>\n");
            } else if (line.startsWith("## ")) {
                body.append("<h2>").append(escape(line.substring(3))).append("</h2>\n");
            } else if (line.startsWith("![")) {
                String file = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
                String alt = line.substring(2, line.indexOf(']'));
                body.append("<figure><img alt=\"").append(escape(alt)).append("\" src=\"")
                        .append(inline.getOrDefault(file, file)).append("\"></figure>\n");
            } else if (!line.isBlank()) {
                body.append("<p>").append(inlineMarkup(line)).append("</p>\n");
            }
        }
        if (inTable) {
            body.append("</table>\n");
        }
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ELECTRA ablation report"
                + "</title>\n<style>body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1100px;"
                + "margin:2em auto;color:#222;line-height:1.45}table{border-collapse:collapse;margin:1em 0}"
                + "th,td{border:1px solid #ccc;padding:4px 9px;text-align:right}th:first-child,td:first-child"
                + "{text-align:left}th{background:#f0f3f7}pre{background:#f6f6f6;padding:1em;font-size:12px;"
                + "overflow:auto;max-height:24em}figure{display:inline-block;margin:0.5em}img{max-width:100%}"
                + "</style></head>\n<body>\n" + body + "</body></html>\n";
    }

    private static String inlineMarkup(String text) {
        return escape(text).replaceAll("\\*\\*(.+?)\\*\\*", "<b>$1</b>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
